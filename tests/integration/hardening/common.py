"""Shared helpers of the hardening tests: the real collectd daemon with
revmon.so (the minimum of tests/integration/collectd/test_collectd.py, which
cannot be imported: it parses its arguments and runs at import), the snmpd +
revmon-agentx rig of tests/integration/snmp/snmpharness.py (imported), RSS
sampling from /proc, and a valgrind log reader."""
import glob
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "snmp"))
sys.path.insert(0, os.path.join(HERE, "..", "graph"))
import snmpharness  # noqa: E402
from snmpharness import Fail, check  # noqa: E402,F401

SKIP = 77
HOST = "testhost"
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


# ---- collectd -------------------------------------------------------------

class Collectd:
    """collectd -f with logfile (STDOUT -> a file), csv, unixsock and the
    given <Plugin revmon> blocks."""

    def __init__(self, tmp, collectd, collectdctl, plugin, blocks, preload=None, env=None):
        self.tmp = tmp
        self.ctl_bin = collectdctl
        self.run_dir = os.path.join(tmp, "run")
        self.sock = os.path.join(self.run_dir, "collectd.sock")
        self.csv = os.path.join(self.run_dir, "csv")
        self.log_path = os.path.join(tmp, "collectd.log")
        plugdir = os.path.join(tmp, "plugins")
        os.makedirs(self.run_dir, exist_ok=True)
        os.makedirs(plugdir, exist_ok=True)
        shutil.copy(plugin, os.path.join(plugdir, "revmon.so"))
        self.conf = os.path.join(tmp, "collectd.conf")
        with open(self.conf, "w") as f:
            f.write(f"""Hostname    "{HOST}"
FQDNLookup  false
BaseDir     "{self.run_dir}"
PIDFile     "{self.run_dir}/collectd.pid"
TypesDB     "/usr/share/collectd/types.db"
Interval    1
PluginDir   "/usr/lib/collectd"
LoadPlugin  logfile
<Plugin logfile>
  LogLevel  "info"
  File      STDOUT
  Timestamp true
</Plugin>
LoadPlugin  csv
<Plugin csv>
  DataDir   "{self.csv}"
  StoreRates false
</Plugin>
LoadPlugin  unixsock
<Plugin unixsock>
  SocketFile  "{self.sock}"
  SocketPerms "0660"
  DeleteSocket true
</Plugin>
PluginDir   "{plugdir}"
LoadPlugin  revmon
<Plugin revmon>
{blocks}
</Plugin>
""")
        e = dict(os.environ, **(env or {}))
        if preload:
            e["LD_PRELOAD"] = preload
            e["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1"
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen([collectd, "-f", "-C", self.conf], stdout=self.logf,
                                     stderr=subprocess.STDOUT, cwd=tmp, env=e)
        self.wait("the unix socket", lambda: os.path.exists(self.sock), 30)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def alive(self):
        if self.proc.poll() is not None:
            raise Fail("collectd exited with %s:\n%s" % (self.proc.returncode, self.log()[-3000:]))

    def ctl(self, *args):
        p = subprocess.run([self.ctl_bin, "-s", self.sock, *args], capture_output=True,
                           text=True, timeout=30)
        return p.returncode, p.stdout

    def getval(self, block, name, ctype="gauge"):
        rc, out = self.ctl("getval", "%s/revmon-%s/%s-%s" % (HOST, block, ctype, name))
        if rc != 0 or not out.strip():
            return None
        return float(out.strip().splitlines()[0].split("=", 1)[1])

    def csv_rows(self, block, name, ctype="gauge"):
        """[(time, value)] written for one metric, oldest first."""
        pat = os.path.join(self.csv, HOST, "revmon-%s" % block, "%s-%s-*" % (ctype, name))
        rows = []
        for path in sorted(glob.glob(pat)):
            with open(path) as f:
                for line in f.read().splitlines()[1:]:
                    t, v = line.split(",")[:2]
                    rows.append((float(t), float(v)))
        return rows

    def wait(self, what, cond, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.alive()
            if cond():
                return
            time.sleep(0.2)
        raise Fail("timed out after %s s waiting for %s\n%s" % (timeout, what, self.log()[-2000:]))

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.logf.close()
                raise Fail("collectd still running %d s after SIGTERM" % timeout)
        self.logf.close()
        return self.proc.returncode


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


# ---- valgrind -------------------------------------------------------------

LEAK_KINDS = ("are definitely lost", "are indirectly lost", "Invalid read", "Invalid write",
              "Invalid free", "uninitialised", "Conditional jump", "Mismatched free",
              "overlap", "Syscall param")


def vg_records(path):
    """(ours, theirs, text): the error/leak records of a valgrind log whose
    stack passes through revmon, the others, and the whole log."""
    with open(path, errors="replace") as f:
        text = f.read()
    records, cur = [], []
    for line in text.splitlines():
        body = line.split(" ", 1)[1] if line.startswith("==") and " " in line else ""
        if not body.strip():
            if cur:
                records.append("\n".join(cur))
            cur = []
        else:
            cur.append(body)
    if cur:
        records.append("\n".join(cur))
    bad = [r for r in records if any(k in r for k in LEAK_KINDS)]
    ours = [r for r in bad if "revmon" in r or "rm_" in r]
    theirs = [r for r in bad if r not in ours]
    return ours, theirs, text
