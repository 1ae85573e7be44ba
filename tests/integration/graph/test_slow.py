#!/usr/bin/env python3
"""The graph source against a slow Graph: the stand-in (standin.py) answers
every request, token endpoint included, after 1 s, 5 s or 20 s, as real beta
signIns pages often do. Requests run on across polls to their own time-out,
so every record arrives and no failure is counted; and every host's timing
promise still holds: `revmon report --timeout`, the check's `-t`,
collectd's read callback within its budget while requests are in flight,
and the subagent answering SNMP at once while its worker waits on Graph.
Also: the app's token requests ask for graph_scope when it is set.

usage: test_slow.py --revmon R --check C [--plugin revmon.so --collectd D
                    --collectdctl CTL [--preload ASAN]] [--agent revmon-agentx]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "collectd"))
sys.path.insert(0, os.path.join(HERE, "..", "snmp"))
from standin import StandIn, recent_records  # noqa: E402
from tally import Tally  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--revmon", required=True)
ap.add_argument("--check", required=True)
ap.add_argument("--plugin")
ap.add_argument("--collectd")
ap.add_argument("--collectdctl")
ap.add_argument("--preload")
ap.add_argument("--agent")
opts = ap.parse_args()

TMP = tempfile.mkdtemp(prefix="revmon-slow-")
TALLY = Tally()
check = TALLY.check
EXACT = ("revocations", "stale_presentations", "signins", "signins_interactive",
         "signin_failures", "events_ingested", "events_rejected", "events_duplicate",
         "revocation_lag_p50", "revocation_lag_p95", "revocation_lag_max")


def run(args, timeout=900):
    e = dict(os.environ)
    e.pop("REVMON_STATE_DIR", None)
    t = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True, env=e, timeout=timeout)
    return p, time.monotonic() - t


def graph_keys(si, *sets):
    kv = ["graph_tenant=" + si.tenant, "graph_client_id=" + si.client_id,
          "graph_authority=" + si.base, "graph_base=" + si.base,
          "graph_ca_file=" + os.path.join(si.dir, "ca.pem"), "graph_lookback=4h",
          "graph_client_secret_file=" + SECRET_FILE, "lag_window=30d"]
    return kv + list(sets)


def with_sets(kv):
    out = []
    for x in kv:
        out += ["--set", x]
    return out


def report(si, *sets, timeout_s=600, source="graph"):
    kv = graph_keys(si, *sets) if source == "graph" else ["lag_window=30d"]
    p, took = run([opts.revmon, "report", "--json", "--timeout", str(timeout_s), "--source", source]
                  + with_sets(kv))
    doc = None
    try:
        doc = json.loads(p.stdout)["monitors"][0]
    except (ValueError, KeyError, IndexError):
        pass
    return p, doc, took


def metric(doc, name):
    return doc["metrics"][name]["value"] if doc else None


def counts(doc):
    return {k: metric(doc, k) for k in EXACT}


def perf(out):
    return {k: float(v) for k, v in re.findall(r"'?([a-z0-9_]+)'?=([0-9.]+)c?", out.split("|", 1)[-1])}


# ---- records: a small simulated tenant, the newest two minutes old ----
lines, REPLAY = recent_records(opts.revmon, 60, TMP)
si = StandIn(TMP, lines).start()
SECRET_FILE = si.secret_file(os.path.join(TMP, "client-secret"))
print("stand-in on %s: %d sign-ins, %d audits" % (si.base, len(si.signins), len(si.audits)))


def collectd_slow(latency):
    """collectd reads every 2 s (budget 1.6 s) from a Graph that answers in
    latency s: every read returns within its budget, values are dispatched
    at every interval, and the requests in flight finish across reads."""
    import collectd_daemon
    block = "  <Source \"slow\">\n    Source \"graph\"\n    Interval 2\n%s  </Source>\n" % "".join(
        "    %s \"%s\"\n" % tuple(kv.split("=", 1)) for kv in graph_keys(si, "graph_page_size=1000"))
    d = collectd_daemon.Daemon(os.path.join(TMP, "collectd"), opts.collectd, opts.collectdctl,
                               opts.plugin, block, preload=opts.preload)
    try:
        d.wait_socket()
        t0 = time.monotonic()

        def ingested():
            rows = d.csv_rows("slow", "derive", "events_ingested")
            return rows[-1][1] if rows else 0
        d.wait("every record through collectd", lambda: ingested() == len(lines), 240)
        took = time.monotonic() - t0
        time.sleep(4)
        errs = d.csv_values("slow", "derive", "source_errors")
        ups = d.csv_rows("slow", "gauge", "source_up")
        gaps = [b[0] - a[0] for a, b in zip(ups, ups[1:])]
        log = d.log()
        print("     collectd at %g s per answer: %d records in %.1f s; %d reads, widest gap %.1f s"
              % (latency, len(lines), took, len(ups), max(gaps or [0])))
        check(not errs or errs[-1] == 0, "collectd: no source error counted (%s)" % errs[-1:])
        # A value is stamped when its read ends: a short read then a full
        # one are interval + budget apart (3.6 s); a missed read makes 4 s.
        check(len(ups) >= 5 and max(gaps) < 3.9,
              "collectd: a value at every 2 s interval while requests were in flight (widest gap "
              "%.2f s)" % max(gaps or [0]))
        check("above its read interval" not in log,
              "collectd: no read callback took longer than its interval")
        # A Graph that answers, slowly, is not down: a NOC pages on source_up 0.
        check(all(v == 1 for _, v in ups) and "source down" not in log,
              "collectd: source_up 1 at every read while answers took %g s (%d reads; values %s)"
              % (latency, len(ups), sorted(set(v for _, v in ups))))
    finally:
        d.stop()


def collectd_stalled():
    """collectd reads every 2 s from a Graph whose requests then stall (read,
    never answered; a 6 s time-out): down once one has waited longer than a
    read and half its time-out, the wait named; up again once answers
    come."""
    import collectd_daemon
    block = "  <Source \"stall\">\n    Source \"graph\"\n    Interval 2\n%s  </Source>\n" % "".join(
        "    %s \"%s\"\n" % tuple(kv.split("=", 1)) for kv in graph_keys(si, "graph_request_timeout=6"))
    d = collectd_daemon.Daemon(os.path.join(TMP, "collectd-stall"), opts.collectd, opts.collectdctl,
                               opts.plugin, block, preload=opts.preload)
    try:
        d.wait_socket()
        d.wait("every record, the source up", lambda: (d.csv_values("stall", "derive", "events_ingested")
                                                       or [0])[-1] == len(lines), 120)
        si.fault("stall", 2)
        d.wait("source_up 0 while requests stall", lambda: 0 in d.csv_values("stall", "gauge", "source_up"), 60)
        down = [x for x in d.log().splitlines() if "[stall]" in x and "source down" in x]
        check(down and re.search(r"no answer after [3-9]\.\d s|failing for", down[0]),
              "collectd: a stalled Graph shows the source down, the wait named (%s)" % down[:1])
        d.wait("source_up 1 once answers come again",
               lambda: d.csv_values("stall", "gauge", "source_up")[-1] == 1, 90)
        check("source up again" in d.log(), "collectd: the log says the source is up again")
    except AssertionError as e:
        check(False, "collectd stalled: " + str(e)[:2000])
    finally:
        si.clear_faults()
        d.stop()


def agent_slow(latency):
    """The subagent's worker polls a Graph that answers in latency s (every
    2 s, budget 1.5 s): every record arrives in its row, no error counted,
    and SNMP requests are answered at once from the published snapshot."""
    import snmpharness
    reg = snmpharness.registry(opts.revmon)
    rig = snmpharness.Rig(None, opts.revmon, opts.agent, "/nonexistent", os.path.join(HERE, "..", "snmp"))
    col = {n: "%s.%d.1" % (snmpharness.TABLE, reg[n][1]) for n in ("events_ingested", "source_errors")}
    slowest = [0.0]

    def value(name):
        t = time.monotonic()
        got = rig.get(col[name])
        slowest[0] = max(slowest[0], time.monotonic() - t)
        v = got.get(col[name])
        return v[1] if v and isinstance(v[1], int) else None
    try:
        body = "source = graph\npoll_interval = 2s\npoll_budget = 1500ms\n" + "".join(
            "%s = %s\n" % tuple(kv.split("=", 1)) for kv in graph_keys(si, "graph_page_size=1000"))
        rig.write_agent_conf([("slow", body)])
        rig.start_master()
        rig.start_agent()
        t0 = time.monotonic()
        rig.wait_for("every record in the subagent's row", lambda: value("events_ingested") == len(lines),
                     timeout=240)
        took = time.monotonic() - t0
        print("     subagent at %g s per answer: %d records in %.1f s; slowest SNMP get %.2f s"
              % (latency, len(lines), took, slowest[0]))
        check(value("source_errors") == 0, "subagent: no source error counted")
        check(slowest[0] < 1.0, "subagent: SNMP answered at once while the worker waited on Graph "
              "(slowest get %.2f s)" % slowest[0])
        check(rig.stop_agent() == 0, "subagent: SIGTERM ends it cleanly")
    except snmpharness.Fail as e:
        check(False, "subagent: %s\n%s" % (e, rig.log("agent.log")[-2000:]))
    finally:
        rig.close(keep=bool(TALLY.failures))


try:
    p, ref, _ = report(si, source="file:" + REPLAY)
    check(p.returncode == 0 and metric(ref, "events_ingested") == len(lines), "file replay runs")

    # ---- the app's scope: graph_base/.default, or graph_scope when set ----
    p, doc, _ = report(si, "graph_scope=" + si.base + "/.default")
    check(p.returncode == 0 and metric(doc, "events_ingested") == len(lines),
          "graph_scope set to the stand-in's scope: read")
    p, doc, _ = report(si, "graph_scope=https://graph.microsoft.us/.default")
    err = (doc or {}).get("sources", [{}])[0].get("error") or ""
    check(p.returncode == 1 and "70011" in err, "graph_scope of another cloud: asked for, refused "
          "by the stand-in (%s)" % err)

    # ---- every record arrives, no failure counted, whatever the latency ----
    for latency, page in ((1, 40), (5, 200), (20, 1000)):
        si.latency = latency
        n0 = len(si.requests)
        p, doc, took = report(si, "graph_page_size=%d" % page)
        reqs = len(si.requests) - n0
        print("     %2d s per answer, pages of %d: %d requests, %.1f s, exit %d"
              % (latency, page, reqs, took, p.returncode))
        check(p.returncode == 0 and metric(doc, "events_ingested") == len(lines),
              "%d s per answer: every record arrives (%s of %d) %s"
              % (latency, metric(doc, "events_ingested"), len(lines), p.stderr.strip()[-300:]))
        check(metric(doc, "source_errors") == 0 and metric(doc, "source_up") == 1,
              "%d s per answer: no failure counted (source_errors %s)"
              % (latency, metric(doc, "source_errors")))
        check(counts(doc) == counts(ref), "%d s per answer: the same figures as the replay" % latency)
        check(took >= latency * 2, "%d s per answer: the answers were really slow (%.1f s)" % (latency, took))

    # ---- the hosts' timing promises ----
    si.latency = 20
    p, doc, took = report(si, timeout_s=5)
    check(p.returncode == 1 and took < 5 + 3 and "timed out" in p.stderr,
          "report --timeout 5 against 20 s answers: ends in %.1f s, exit %d (%s)"
          % (took, p.returncode, p.stderr.strip()[-200:]))
    p, took = run([opts.check, "--source", "graph", "-t", "10"] + with_sets(graph_keys(si)))
    check(p.returncode == 3 and took < 10 + 2 and "UNKNOWN" in p.stdout,
          "check -t 10 against 20 s answers: UNKNOWN in %.1f s (%s)" % (took, p.stdout.strip()[:200]))
    si.latency = 5
    state = os.path.join(TMP, "check.state")
    p, took = run([opts.check, "--source", "graph", "-t", "90", "--state-file", state]
                  + with_sets(graph_keys(si, "graph_page_size=1000")))
    pf = perf(p.stdout)
    check(p.returncode in (0, 1, 2) and pf.get("events_ingested") == len(lines)
          and pf.get("source_errors") == 0 and took < 90,
          "check -t 90 against 5 s answers: every record, no error, in %.1f s (exit %d: %s)"
          % (took, p.returncode, p.stdout.strip()[:200]))

    if opts.plugin and opts.collectd:
        collectd_slow(5)
        si.latency = 0
        collectd_stalled()
        si.latency = 5
    else:
        print("     (collectd not built here: its part skipped)")
    if opts.agent:
        agent_slow(5)
    else:
        print("     (revmon-agentx not built here: its part skipped)")
finally:
    si.stop()

if TALLY.failures:
    print("kept", TMP)
else:
    shutil.rmtree(TMP, ignore_errors=True)
sys.exit(TALLY.summary())
