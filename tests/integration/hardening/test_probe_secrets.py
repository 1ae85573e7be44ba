#!/usr/bin/env python3
"""The canary's password and tokens leak nowhere, across every adapter.

  test_probe_secrets.py --revmon BIN --check BIN --moddir DIR
                        [--plugin SO --collectd BIN --collectdctl BIN] [--preload LIB]
                        [--agent BIN]

The probe source (the revocation drill) against the real OAuth 2.0 provider
of the probe tests (tests/integration/probe/provider.js, oidc-provider with
its Entra-like paths; DIR holds its node_modules) with a canary password, a
client secret and a Graph app secret, each in a private file, plus a wrong
canary password. Drills run to the end, fail on the wrong password, and fail
again once the provider is stopped mid-run, through:

  * check_revocation -vvv (state files) and revmon report -v / --json, in
    both flavours, the password from a file and from the environment;
  * collectd with revmon.so (LogLevel debug): an Entra-flavour block and a
    wrong-password block, drilling every 10 s;
  * snmpd + revmon-agentx (which logs every level): a generic-flavour row
    and a wrong-password row, walked with snmpwalk and snmpbulkwalk.

Then the three secrets, the wrong password and every access and refresh
token the provider issued must appear nowhere: stdout, stderr, the daemons'
logs, state and csv files, walks, every file the runs left, and
/proc/PID/cmdline and /proc/PID/environ of the daemons and their children.

Exit 0 when all passed, 1 when not, 77 when node, openssl or the provider's
node_modules are missing."""
import math
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (SKIP, TABLE, Collectd, Evidence, adapter_args, agent_registry,  # noqa: E402
                    drive_adapters, leave)
from tally import Tally  # noqa: E402  (tests/integration, on the path through common)
import provider_rig  # noqa: E402  (tests/integration/probe, on the path through common)

ap = adapter_args()
ap.add_argument("--check", required=True)
ap.add_argument("--moddir", required=True, help="the directory holding the provider's node_modules")
opts = ap.parse_args()

DRILL_EVERY = "probe_interval=10s"
SEEN = Evidence()
TALLY = Tally()
check = TALLY.check


def run(name, args, env=None, timeout=120):
    e = dict(os.environ)
    e.pop("REVMON_STATE_DIR", None)
    e.update(env or {})
    p = subprocess.run(args, capture_output=True, text=True, env=e, timeout=timeout)
    SEEN.keep(name + " stdout", p.stdout)
    SEEN.keep(name + " stderr", p.stderr)
    return p


def sets(keys):
    return [a for k in keys for a in ("--set", k)]


def with_password(keys, path):
    """keys with probe_password_file switched to path."""
    return [k if not k.startswith("probe_password_file=") else "probe_password_file=" + path
            for k in keys]


def known(v):
    return v is not None and not math.isnan(v)


class Run:
    """One provider at a time, the secret files, and the directories whose
    every file is searched (the provider's own files are not)."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.provider_dir = os.path.join(tmp, "provider")
        self.secret_dir = os.path.join(tmp, "secrets")
        self.out_dir = os.path.join(tmp, "out")
        for d in (self.provider_dir, self.secret_dir, self.out_dir):
            os.makedirs(d)
        os.chmod(self.secret_dir, 0o700)
        rnd = lambda: os.urandom(12).hex()  # noqa: E731
        self.secrets = {"CLIENT_SECRET": "cs-" + rnd(), "GRAPH_SECRET": "gs-" + rnd(),
                        "CANARY_PASSWORD": "pw-" + rnd()}
        self.wrong_password = "wrong-pw-" + rnd()
        self.files = {
            "client": provider_rig.secret_file(self.secret_dir, "client.secret",
                                               self.secrets["CLIENT_SECRET"]),
            "graph": provider_rig.secret_file(self.secret_dir, "graph.secret",
                                              self.secrets["GRAPH_SECRET"]),
            "password": provider_rig.secret_file(self.secret_dir, "canary.password",
                                                 self.secrets["CANARY_PASSWORD"]),
        }
        self.wrong_file = provider_rig.secret_file(self.secret_dir, "wrong.password",
                                                   self.wrong_password)
        self.tokens = os.path.join(self.provider_dir, "tokens.txt")
        self.pv = None
        self.served = []

    def start(self):
        self.pv = provider_rig.Provider(self.provider_dir, opts.moddir, self.secrets, self.tokens,
                                        delay_ms=1000)
        return self.pv

    def stop(self):
        """Stop the provider, keeping the paths it served."""
        if self.pv and self.pv.p.poll() is None:
            try:
                self.served += [x["path"] for x in self.pv.log()]
            except OSError:
                pass
        if self.pv:
            self.pv.stop()

    def entra(self, *extra):
        return provider_rig.entra_keys(self.pv, self.files, DRILL_EVERY, *extra)

    def oauth(self, *extra):
        return provider_rig.oauth_keys(self.pv, self.files, DRILL_EVERY,
                                       "probe_resource_url=" + self.pv.base + "/resource", *extra)

    def needles(self):
        toks = provider_rig.issued_tokens(self.tokens)
        return ([(k.lower().replace("_", " "), v) for k, v in self.secrets.items()]
                + [("the wrong password", self.wrong_password)]
                + [("token #%d" % (i + 1), t) for i, t in enumerate(toks)])


def cli(r):
    """check_revocation -vvv and revmon report -v, drills that succeed and fail."""
    state = lambda name: os.path.join(r.out_dir, name + ".state")  # noqa: E731
    r.start()
    try:
        for flavour, keys in (("entra", r.entra()), ("oauth", r.oauth())):
            p = run("check -vvv " + flavour, [opts.check, "-vvv", "-t", "60", "--source", "probe",
                                              "--state-file", state(flavour)] + sets(keys))
            check(p.returncode in (0, 1, 2) and "probe_access_lag=" in p.stdout
                  and "probe_access_lag=U" not in p.stdout,
                  "check_revocation -vvv, %s drill measured (exit %d: %s)"
                  % (flavour, p.returncode, p.stdout[:100]))
            p = run("report -v --json " + flavour, [opts.revmon, "report", "-v", "--json",
                                                    "--timeout", "60", "--source", "probe"]
                    + sets(keys))
            check(p.returncode == 0, "revmon report -v --json, %s drill (exit %d)"
                  % (flavour, p.returncode))
        p = run("check -vvv wrong password",
                [opts.check, "-vvv", "-t", "60", "--source", "probe", "--state-file",
                 state("wrong")] + sets(with_password(r.oauth(), r.wrong_file)))
        check("refused" in p.stdout + p.stderr, "check_revocation -vvv, wrong password refused "
              "(exit %d: %s)" % (p.returncode, p.stdout[:120]))
        keys = [k for k in r.entra() if not k.startswith("probe_password_file=")]
        p = run("report -v password env", [opts.revmon, "report", "-v", "--timeout", "60",
                                           "--source", "probe",
                                           "--set", "probe_password_env=REVMON_CANARY_PW"]
                + sets(keys), env={"REVMON_CANARY_PW": r.secrets["CANARY_PASSWORD"]})
        check(p.returncode == 0 and "probe_access_lag" in p.stdout,
              "revmon report -v, the password from the environment (exit %d)" % p.returncode)
        keys = r.entra()
    finally:
        r.stop()
    p = run("check -vvv provider down", [opts.check, "-vvv", "-t", "60", "--source", "probe",
                                         "--state-file", state("down")] + sets(keys))
    check("token endpoint" in p.stdout + p.stderr, "check_revocation -vvv, provider down: "
          "exit %d (%s)" % (p.returncode, p.stdout[:120]))


def collectd_run(r):
    r.start()
    block = lambda name, keys: "  <Source \"%s\">\n    Source \"probe\"\n    Interval 1\n%s  </Source>\n" % (  # noqa: E731
        name, "".join("    %s \"%s\"\n" % tuple(k.split("=", 1)) for k in keys))
    wrong = with_password(r.entra(), r.wrong_file)
    tmp = os.path.join(r.out_dir, "collectd")
    os.makedirs(tmp)
    d = Collectd(tmp, opts.collectd, opts.collectdctl, opts.plugin,
                 block("drill", r.entra()) + block("wrong", wrong), preload=opts.preload,
                 log_level="debug")
    failures = lambda b: (d.csv_rows(b, "derive", "probe_failures") or [(0, 0)])[-1][1]  # noqa: E731
    try:
        d.wait("a measured drill and a failed one",
               lambda: known(d.metric("drill", "probe_access_lag", "duration")) and failures("wrong") >= 1, 60)
        SEEN.process("collectd (drilling)", d.proc.pid)
        before = failures("drill")
        r.stop()
        d.wait("a drill failing with the provider down", lambda: failures("drill") > before, 60)
        SEEN.process("collectd", d.proc.pid)
        check(True, "collectd: drills measured, failed on the wrong password and with the "
              "provider down (%d failures)" % failures("drill"))
    finally:
        r.stop()
        rc = d.stop()
        SEEN.keep("collectd.log", d.log())
    check(rc == 0, "collectd: SIGTERM exit %d" % rc)
    check("refused" in d.log(), "collectd.log names the refused sign-in")


def snmp_run(r, rig):
    reg = agent_registry(opts.revmon)
    lag, fails = reg["probe_access_lag"][1], reg["probe_failures"][1]
    r.start()
    body = lambda keys: "source = probe\npoll_interval = 1s\n" + "".join(  # noqa: E731
        "%s = %s\n" % tuple(k.split("=", 1)) for k in keys)
    rig.write_agent_conf([("drill", body(r.oauth())),
                          ("wrong", body(with_password(r.oauth(), r.wrong_file)))])
    rig.start_master()
    rig.start_agent()

    def cell(col, idx):
        v = rig.get("%s.%d.%d" % (TABLE, col, idx)).get("%s.%d.%d" % (TABLE, col, idx))
        return v[1] if v and v[0] in ("Gauge32", "Counter64") else None
    try:
        rig.wait_for("a measured drill and a failed one",
                     lambda: cell(lag, 1) is not None and (cell(fails, 2) or 0) >= 1, timeout=60)
        SEEN.process("agent (drilling)", rig.agent.pid)
        before = cell(fails, 1) or 0
        r.stop()
        rig.wait_for("a drill failing with the provider down",
                     lambda: (cell(fails, 1) or 0) > before, timeout=60)
        for tool in ("snmpwalk", "snmpbulkwalk"):
            w = rig.tool(tool, TABLE.rsplit(".", 3)[0], fmt=("-On",))
            SEEN.keep("agent " + tool, w.stdout + w.stderr)
        SEEN.process("agent", rig.agent.pid)
        check(True, "revmon-agentx: drills measured, failed on the wrong password and with the "
              "provider down")
    finally:
        r.stop()
    rc = rig.stop_agent()
    check(rc == 0, "revmon-agentx: SIGTERM exit %d" % rc)
    check("refused" in rig.log("agent.log"), "the agent's log names the refused sign-in")


def main():
    for tool in ("node", "openssl"):
        if not shutil.which(tool):
            print("skipped: %s not found" % tool)
            return SKIP
    if not os.path.isdir(os.path.join(opts.moddir, "node_modules", "oidc-provider")):
        print("skipped: no oidc-provider under %s (npm ci)" % opts.moddir)
        return SKIP
    r = Run(tempfile.mkdtemp(prefix="revmon-hard-probe-"))
    error, rig = drive_adapters(opts, SEEN, lambda: cli(r), lambda: collectd_run(r),
                                lambda rig: snmp_run(r, rig), r.stop)
    check(error is None, "run: %s" % error)
    SEEN.files(r.out_dir)

    needles = r.needles()
    leaks = SEEN.leaks(needles)
    ntok = len(needles) - 4
    check(ntok >= 20, "the provider issued %d tokens" % ntok)
    check(any(x.endswith("/revokeSignInSessions") for x in r.served)
          and "/token/revocation" in r.served, "drills of both flavours revoked")
    check(not leaks, "no secret, password or token in %d outputs, logs, files and /proc "
          "entries (%d needles)%s" % (len(SEEN.blobs), len(needles),
                                      (": " + "; ".join(leaks[:10])) if leaks else ""))
    leave([r.tmp], rig, keep=bool(TALLY.failures) or opts.keep)
    return TALLY.summary()


sys.exit(main())
