"""Shared helpers of the hardening tests: the real collectd daemon with
revmon.so (tests/integration/collectd/collectd_daemon.py), the snmpd +
revmon-agentx rig of tests/integration/snmp/snmpharness.py (imported), RSS
sampling from /proc, and the evidence the secrets tests search."""
import argparse
import glob
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "snmp"))
sys.path.insert(0, os.path.join(HERE, "..", "graph"))
sys.path.insert(0, os.path.join(HERE, "..", "collectd"))
sys.path.insert(0, os.path.join(HERE, "..", "probe"))
sys.path.insert(0, os.path.join(HERE, ".."))
import collectd_daemon  # noqa: E402
import snmpharness  # noqa: E402
from snmpharness import Fail, check  # noqa: E402,F401

SKIP = 77
TABLE = snmpharness.TABLE
SCALAR = snmpharness.SCALAR


def run(*args, timeout=120, env=None):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, env=env)
    if p.returncode != 0:
        raise Fail("%s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr[:2000]))
    return p.stdout


def simulate(revmon, path, *sets, shape="ndjson"):
    cmd = [revmon, "simulate", "--shape", shape, "--out", path]
    for s in sets:
        cmd += ["--set", s]
    run(*cmd)


def rss_kb(pid):
    """VmRSS of pid in kB (None once it is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def descendants(pid):
    """pid and every process below it (through /proc/*/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for path in glob.glob("/proc/%d/task/*/children" % p):
            try:
                with open(path) as f:
                    todo += [int(x) for x in f.read().split()]
            except OSError:
                pass
    return out


def proc_blobs(pid):
    """{what: bytes} of the cmdline and environ of pid and its descendants."""
    blobs = {}
    for p in descendants(pid):
        for what in ("cmdline", "environ"):
            try:
                with open("/proc/%d/%s" % (p, what), "rb") as f:
                    blobs["/proc/%d/%s" % (p, what)] = f.read()
            except OSError:
                pass
    return blobs


class Evidence:
    """Everything the adapters printed, logged, wrote or exposed in /proc,
    as text keyed by where it was found, for the secrets grep."""

    def __init__(self):
        self.blobs = {}

    def keep(self, where, data):
        if isinstance(data, bytes):
            data = data.decode("latin-1")
        self.blobs[where] = data

    def process(self, label, pid):
        """cmdline and environ of pid and every process below it."""
        for k, v in proc_blobs(pid).items():
            self.keep("%s %s" % (label, k), v)

    def files(self, root, skip=()):
        """Every regular file under root but those in skip."""
        for d, _, names in os.walk(root):
            for n in names:
                p = os.path.join(d, n)
                if p in skip or os.path.islink(p) or not os.path.isfile(p):
                    continue
                try:
                    with open(p, "rb") as f:
                        self.keep(p, f.read())
                except OSError:
                    pass

    def saying(self, text):
        """Where text was found."""
        return [w for w, b in self.blobs.items() if text in b]

    def leaks(self, needles):
        """["what in where"] for each (what, value) of needles found."""
        return ["%s in %s" % (what, where) for what, value in needles
                for where in self.saying(value)]


# ---- collectd -------------------------------------------------------------

class Collectd(collectd_daemon.Daemon):
    """collectd -f with logfile (STDOUT -> a file), csv, unixsock and the
    given <Plugin revmon> blocks; started once its socket is there."""
    error = Fail

    def __init__(self, tmp, collectd, collectdctl, plugin, blocks, preload=None, env=None,
                 log_level="info"):
        super().__init__(tmp, collectd, collectdctl, plugin, blocks, preload=preload, env=env,
                         log_level=log_level)
        self.wait_socket()


# ---- snmpd + revmon-agentx ------------------------------------------------

class Rig(snmpharness.Rig):
    """snmpharness.Rig with an optional wrapper (valgrind) and extra
    environment for the subagent."""

    def __init__(self, revmon, agent, wrapper=(), agent_env=None):
        super().__init__(None, revmon, agent, "/nonexistent", HERE)
        self.wrapper = list(wrapper)
        self.agent_env = dict(self.env, **(agent_env or {}))

    def start_agent(self):
        self.agent_log = open(os.path.join(self.tmp, "agent.log"), "a")
        self.agent = subprocess.Popen(self.wrapper + [self.agent_bin, "-c", self.agent_conf],
                                      stdout=self.agent_log, stderr=subprocess.STDOUT,
                                      env=self.agent_env)

    def alive(self):
        check(self.agent is not None and self.agent.poll() is None,
              "revmon-agentx exited (%s):\n%s" % (self.agent and self.agent.returncode,
                                                  self.log("agent.log")))

    def cells(self, idx, *cols):
        got = self.get(*["%s.%d.%d" % (TABLE, c, idx) for c in cols])
        return [got.get("%s.%d.%d" % (TABLE, c, idx)) for c in cols]


def agent_registry(revmon):
    return snmpharness.registry(revmon)


def run_on_rig(revmon, agent, fn, keep=False):
    """fn(rig) on a fresh snmpd + subagent rig; True when it returned true.
    A Fail is printed with the agent's log; the rig's directory is kept when
    asked or when fn failed."""
    rig = Rig(revmon, agent)
    ok = False
    try:
        ok = fn(rig)
    except Fail as e:
        print("FAIL %s" % e)
        print("--- agent log\n%s" % rig.log("agent.log"))
    finally:
        rig.close(keep=keep or not ok)
        if not ok:
            print("kept %s" % rig.tmp)
    return ok


def adapter_args():
    """The argument parser of the scripts that drive the adapters: the
    revmon command, the collectd daemon and plugin (optional), the subagent
    (optional), the ASan runtime to preload into collectd, --keep."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--revmon", required=True)
    ap.add_argument("--plugin", help="the built revmon.so")
    ap.add_argument("--collectd", default="/usr/sbin/collectd")
    ap.add_argument("--collectdctl", default="collectdctl")
    ap.add_argument("--preload", help="library to LD_PRELOAD into collectd (the ASan runtime)")
    ap.add_argument("--agent", help="the built revmon-agentx")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    return ap


def drive_adapters(opts, seen, cli, collectd, agent, stop):
    """The frame of the secrets tests: cli(), then collectd() when the
    plugin and collectdctl are there, then agent(rig) on a fresh snmpd +
    subagent rig when snmpd is there. Whatever happens, stop() is called
    (the providers), the rig's daemons are killed and every file they left
    goes into seen. Returns (what went wrong or None, the rig or None)."""
    rig, error = None, None
    try:
        cli()
        if opts.plugin and os.path.exists(opts.plugin) and shutil.which(opts.collectdctl):
            collectd()
        else:
            print("skip collectd (no plugin or collectdctl)")
        if opts.agent and os.path.exists(opts.agent) and shutil.which("snmpd"):
            rig = Rig(opts.revmon, opts.agent)
            agent(rig)
        else:
            print("skip revmon-agentx (not built or no snmpd)")
    except (Fail, AssertionError, subprocess.TimeoutExpired, OSError, ValueError) as e:
        error = str(e) or type(e).__name__
    finally:
        stop()
        if rig:
            for p in (rig.agent, rig.master):
                if p and p.poll() is None:
                    p.kill()
                    p.wait()
            seen.files(rig.tmp)
    return error, rig


def leave(dirs, rig, keep):
    """Remove the test's directories and the rig's, or say where they are
    kept (keep: asked for, or something failed)."""
    if keep:
        print("kept %s" % " and ".join(list(dirs) + ([rig.tmp] if rig else [])))
    else:
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)
    if rig:
        rig.close(keep=keep)

