#!/usr/bin/env python3
"""No secret or access token anywhere, across every adapter.

  test_secrets.py --revmon BIN --check BIN [--plugin SO --collectd BIN --collectdctl BIN]
                  [--agent BIN] [--preload LIB]

The graph source against the HTTPS stand-in (tests/integration/graph/standin.py)
with a known client secret (a private file) and a wrong one (another private
file: the stand-in answers 401 invalid_client / AADSTS7000215), and a burst of
503s from Graph, through:

  * check_revocation -vvv (with a state file) and revmon report -v / --json,
    good secret, wrong secret, 5xx; once more with graph_client_secret_env;
  * collectd with revmon.so: a good and a wrong-secret block, a 5xx burst;
  * snmpd + revmon-agentx: a good and a wrong-secret row, a 5xx burst, walks.

Then the good and wrong secrets and every access token the stand-in issued
must appear nowhere: stdout, stderr, the daemons' logs, state and csv files,
the walks, every file the runs left in their directories, and
/proc/PID/cmdline and /proc/PID/environ of the daemons and their children
(the file variant: the secret is never in an environment there).

Exit 0 when all passed, 1 when not, 77 when openssl is missing."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (SKIP, TABLE, Collectd, Evidence, adapter_args, drive_adapters,  # noqa: E402
                    leave)
from tally import Tally  # noqa: E402  (tests/integration, on the path through common)
from standin import StandIn, parse_time, rebase_line  # noqa: E402

ap = adapter_args()
ap.add_argument("--check", required=True)
opts = ap.parse_args()

SEEN = Evidence()
TALLY = Tally()
check = TALLY.check
TIMES = []


def run(name, args, env=None, timeout=180):
    e = dict(os.environ)
    e.pop("REVMON_STATE_DIR", None)
    e.update(env or {})
    t0 = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True, env=e, timeout=timeout)
    TIMES.append((name, time.monotonic() - t0))
    SEEN.keep(name + " stdout", p.stdout)
    SEEN.keep(name + " stderr", p.stderr)
    return p


def graph_keys(si, secret_file=None):
    kv = [("graph_tenant", si.tenant), ("graph_client_id", si.client_id),
          ("graph_authority", si.base), ("graph_base", si.base),
          ("graph_ca_file", os.path.join(si.dir, "ca.pem")), ("graph_lookback", "2h"),
          ("graph_request_timeout", "5")]
    if secret_file:
        kv.append(("graph_client_secret_file", secret_file))
    return kv


def sets(kv):
    return [a for k, v in kv for a in ("--set", "%s=%s" % (k, v))]


def cli(si, tmp, good, bad):
    for label, secret, fault in (("good", good, None), ("wrong secret", bad, None),
                                 ("5xx", good, "5xx")):
        si.clear_faults()
        if fault:
            si.fault("5xx", 2, status=503)  # per run: retried, then answered
        state = os.path.join(tmp, "check-%s.state" % label.replace(" ", "-"))
        p = run("check_revocation -vvv (%s)" % label,
                [opts.check, "-vvv", "--source", "graph", "-t", "60", "--state-file", state]
                + sets(graph_keys(si, secret)))
        check(p.returncode in ((1, 2, 3) if label == "wrong secret" else (0, 1, 2)),
              "check_revocation -vvv %s: exit %d (%s)" % (label, p.returncode,
                                                          (p.stdout.splitlines() or [""])[0][:120]))
        for args, what in ((["-v"], "report -v"), (["-v", "--json"], "report -v --json")):
            si.clear_faults()
            if fault:
                si.fault("5xx", 2, status=503)
            p = run("revmon %s (%s)" % (what, label),
                    [opts.revmon, "report", "--timeout", "60", "--source", "graph", *args]
                    + sets(graph_keys(si, secret)))
            check(p.returncode == (1 if label == "wrong secret" else 0),
                  "revmon %s %s: exit %d" % (what, label, p.returncode))
        si.clear_faults()
    p = run("check_revocation -vvv (secret env)",
            [opts.check, "-vvv", "--source", "graph", "-t", "60",
             "--state-file", os.path.join(tmp, "check-env.state"),
             "--set", "graph_client_secret_env=REVMON_HARD_SECRET"] + sets(graph_keys(si)),
            env={"REVMON_HARD_SECRET": si.secret})
    check(p.returncode in (0, 1, 2), "check_revocation -vvv, secret from the environment: exit %d"
          % p.returncode)


def five_xx_burst(si, seconds=5):
    si.fault("5xx", -1, status=503)
    time.sleep(seconds)
    si.clear_faults()


def collectd_run(si, tmp, good, bad):
    def block(name, secret):
        return "  <Source \"%s\">\n    Source \"graph\"\n    Interval 2\n%s  </Source>\n" % (
            name, "".join("    %s \"%s\"\n" % kv for kv in graph_keys(si, secret)))
    d = Collectd(tmp, opts.collectd, opts.collectdctl, opts.plugin,
                 block("good", good) + block("bad", bad), preload=opts.preload)
    try:
        d.wait("good source_up 1, bad source_up 0",
               lambda: d.metric("good", "source_up") == 1 and d.metric("bad", "source_up") == 0, 60)
        SEEN.process("collectd (running)", d.proc.pid)
        five_xx_burst(si)
        d.wait("good source_up 1 after the 5xx burst", lambda: d.metric("good", "source_up") == 1, 30)
        SEEN.process("collectd", d.proc.pid)
        check(True, "collectd: good block up, wrong-secret block down, through a 5xx burst")
    finally:
        rc = d.stop()
    check(rc == 0, "collectd: SIGTERM exit %d" % rc)
    SEEN.keep("collectd.log", d.log())


def snmp_run(si, rig, good, bad):
    body = lambda secret: "source = graph\npoll_interval = 2s\n" + "".join(  # noqa: E731
        "%s = %s\n" % kv for kv in graph_keys(si, secret))
    rig.write_agent_conf([("good", body(good)), ("bad", body(bad))])
    rig.start_master()
    rig.start_agent()

    def states():
        got = rig.get(TABLE + ".3.1", TABLE + ".3.2")
        return got.get(TABLE + ".3.1"), got.get(TABLE + ".3.2")
    rig.wait_for("row good up, row bad down",
                 lambda: states() == (("INTEGER", 1), ("INTEGER", 2)), timeout=60)
    five_xx_burst(si)
    rig.wait_for("row good up after the 5xx burst", lambda: states()[0] == ("INTEGER", 1), timeout=30)
    for tool in ("snmpwalk", "snmpbulkwalk"):
        r = rig.tool(tool, TABLE.rsplit(".", 3)[0], fmt=("-On",))
        SEEN.keep("agent " + tool, r.stdout + r.stderr)
    SEEN.process("agent", rig.agent.pid)
    rc = rig.stop_agent()
    check(rc == 0, "revmon-agentx: SIGTERM exit %d" % rc)
    check(True, "revmon-agentx: good row up, wrong-secret row down, through a 5xx burst")


def main():
    if not shutil.which("openssl"):
        print("skipped: openssl not found")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="revmon-hard-secrets-")
    sim = subprocess.run([opts.revmon, "simulate", "--shape", "ndjson", "--set", "sim_users=60",
                          "--set", "sim_duration=1h", "--set", "sim_delivery_delay_max=0"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    recs = [json.loads(x) for x in sim if x.strip()]
    newest = max(parse_time(r.get("createdDateTime") or r["activityDateTime"]) for r in recs)
    delta = int(time.time() - 120 - newest)
    si = StandIn(tmp, [rebase_line(x, delta) for x in sim if x.strip()]).start()
    good = os.path.join(tmp, "client-secret")
    bad = os.path.join(tmp, "wrong-secret")
    wrong = "wr0ng-" + os.urandom(16).hex()
    for path, text in ((good, si.secret), (bad, wrong)):
        with open(path, "w") as f:
            f.write(text + "\n")
        os.chmod(path, 0o600)
    def collectd_part():
        cd = os.path.join(tmp, "collectd")
        os.makedirs(cd)
        collectd_run(si, cd, good, bad)
    error, rig = drive_adapters(opts, SEEN, lambda: cli(si, tmp, good, bad), collectd_part,
                                lambda rig: snmp_run(si, rig, good, bad), si.stop)
    check(error is None, "run: %s" % error)
    SEEN.files(tmp, {good, bad})

    needles = [("the client secret", si.secret), ("the wrong secret", wrong)] + \
        [("access token #%d" % (i + 1), t) for i, t in enumerate(si.issued)]
    leaks = SEEN.leaks(needles)
    refused = SEEN.saying("7000215")
    statuses = [s for _, _, s in si.requests]
    check(len(si.issued) >= 3, "the stand-in issued %d access tokens" % len(si.issued))
    check(refused, "the wrong secret was refused with AADSTS7000215 (said in %d outputs)"
          % len(refused))
    check(statuses.count(503) >= 6, "the stand-in answered 503 %d times" % statuses.count(503))
    check(not leaks, "no secret or token in %d outputs, logs, files and /proc entries "
          "(%d needles)%s" % (len(SEEN.blobs), len(needles), (": " + "; ".join(leaks[:10])) if leaks else ""))
    leave([tmp], rig, keep=bool(TALLY.failures) or opts.keep)
    print("slowest runs: " + ", ".join("%s %.1f s" % t for t in sorted(TIMES, key=lambda t: -t[1])[:4]))
    return TALLY.summary()


sys.exit(main())
