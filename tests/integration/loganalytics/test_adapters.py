#!/usr/bin/env python3
"""The loganalytics source through the collectd plugin and the SNMP
subagent, against the loopback stand-in (standin.py) serving the
simulator's rows (as test_source.py does for `revmon report` and the check):

(a) collectd: a <Source> block with Source "loganalytics" and the la_* /
    graph_* keys; the counters read back from the daemon (csv, derive) equal
    a `revmon report` file replay of the same rows, events_ingested the row
    count;
(b) revmon-agentx under a real snmpd with a [section] of the same keys:
    snmpget/snmpwalk of the same counters in revmonSourceTable;
(c) a slow workspace (every query runs 8 s): collectd's read callback still
    returns within its budget at every interval (values at every interval,
    no "above its read interval"), and every row is eventually ingested;
(d) an unusable source (the app loses its role: 403 InsufficientAccessError)
    shows as down with the reason: collectd's source_up 0 and its log's
    "source down" line, SNMP's revmonSourceStatus down(2) and
    revmonSourceLastError; both up again when the role is back.

usage: test_adapters.py --revmon R [--plugin revmon.so --collectd D --collectdctl C [--preload ASAN]]
                        [--agent revmon-agentx [--cache MIBCACHE --mibdir DIR]]
Exits 0 when all passed, 77 when neither adapter can run here."""
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
from standin import StandIn, simulator_rows  # noqa: E402
from tally import Tally  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--revmon", required=True)
ap.add_argument("--plugin")
ap.add_argument("--collectd")
ap.add_argument("--collectdctl")
ap.add_argument("--preload")
ap.add_argument("--agent")
ap.add_argument("--cache", help="the snmp tests' base MIB cache (symbolic names; optional)")
ap.add_argument("--mibdir", help="the directory holding REVMON-MIB.txt (with --cache)")
opts = ap.parse_args()
HAVE_COLLECTD = all(x and os.path.exists(x) for x in (opts.plugin, opts.collectd, opts.collectdctl))
HAVE_AGENT = bool(opts.agent and os.path.exists(opts.agent) and shutil.which("snmpget")
                  and (shutil.which("snmpd") or os.path.exists("/usr/sbin/snmpd")))
if not HAVE_COLLECTD and not HAVE_AGENT:
    print("skipped: neither the collectd plugin and daemon nor revmon-agentx and snmpd are here")
    sys.exit(77)

TMP = tempfile.mkdtemp(prefix="revmon-la-adapters-")
TALLY = Tally()
check = TALLY.check
# Counters (and the stuck-now gauge) that must equal the replay's exactly.
COUNTERS = ("events_ingested", "signins", "signins_interactive", "signin_failures",
            "signin_failures_revoked", "revocations", "revocations_admin", "revocations_password",
            "revocations_disable", "stale_presentations", "reauth_after_revocation",
            "events_rejected", "events_duplicate")
GAUGES = ("stale_clients",)
ROLE = "Log Analytics Reader"


def registry():
    """name -> (kind, SNMP column, collectd type) from `revmon metrics --markdown`."""
    out = subprocess.run([opts.revmon, "metrics", "--markdown"], check=True, capture_output=True,
                         text=True).stdout
    reg = {}
    for line in out.splitlines():
        m = re.match(r"\|\s*`([a-z0-9_]+)`\s*\|\s*(counter|gauge)\s*\|.*\|\s*(\d+) \(x\d+,[^|]*\|\s*`(\w+)`\s*\|$",
                     line)
        if m:
            reg[m.group(1)] = (m.group(2), int(m.group(3)), m.group(4))
    return reg


REG = registry()


def keys(si):
    """The block's / section's keys: the graph_* identity, la_* and a lag
    window over all the data."""
    return [("graph_tenant", si.tenant), ("graph_client_id", si.client_id),
            ("graph_authority", si.base), ("graph_ca_file", os.path.join(si.dir, "ca.pem")),
            ("graph_client_secret_file", SECRET), ("la_base", si.base),
            ("la_workspace", si.workspace), ("la_lookback", "6h"), ("lag_window", "30d")]


def replay_reference():
    p = subprocess.run([opts.revmon, "report", "--json", "--timeout", "120", "--source", "file:" + REPLAY,
                        "--set", "lag_window=30d"], capture_output=True, text=True, timeout=180)
    doc = json.loads(p.stdout)["monitors"][0]
    return {k: doc["metrics"][k]["value"] for k in COUNTERS + GAUGES}


si = StandIn(TMP, seed=5)
N = si.load(simulator_rows(opts.revmon, TMP))
si.rebase(end=time.time() - 60, by="ingestion")  # every row queryable now
si.start()
SECRET = si.secret_file(os.path.join(TMP, "client-secret"))
REPLAY = si.write_rows(os.path.join(TMP, "replay.ndjson"))
REF = replay_reference()
print("stand-in on %s, workspace %s, %d rows; replay: %s" % (si.base, si.workspace, N, REF))


# ---- collectd ----

def collectd_block(name, interval, extra=()):
    body = "".join('    %s "%s"\n' % kv for kv in list(keys(si)) + list(extra))
    return '  <Source "%s">\n    Source "loganalytics"\n    Interval %d\n%s  </Source>\n' % (
        name, interval, body)


def collectd_daemon_for(sub, blocks):
    import collectd_daemon
    return collectd_daemon.Daemon(os.path.join(TMP, sub), opts.collectd, opts.collectdctl, opts.plugin,
                                  blocks, preload=opts.preload)


def collectd_values(d, block):
    out = {}
    for name in COUNTERS + GAUGES:
        _, _, ctype = REG[name]
        rows = d.csv_values(block, ctype, name)
        out[name] = rows[-1] if rows else None
    return out


def collectd_live_and_down():
    """(a) and (d) through collectd."""
    d = collectd_daemon_for("collectd", collectd_block("la", 1))
    try:
        d.wait_socket()
        t0 = time.monotonic()
        d.wait("every row through collectd",
               lambda: collectd_values(d, "la")["events_ingested"] == N, 60)
        time.sleep(1.5)  # one read more: every value of that read is written
        got = collectd_values(d, "la")
        print("     collectd: %d rows in %.1f s" % (N, time.monotonic() - t0))
        check(got["events_ingested"] == N, "collectd: events_ingested is the row count (%s of %d)"
              % (got["events_ingested"], N))
        check(got == REF, "collectd: the counters equal the replay's:\n       %s\n       %s" % (got, REF))
        g = d.metric("la", "stale_clients", "count")
        check(g == REF["stale_clients"], "collectd: getval stale_clients %s (replay %s)" % (g, REF["stale_clients"]))
        check(d.csv_values("la", "gauge", "source_up")[-1] == 1, "collectd: source_up 1")

        # (d) the app loses its role on the workspace
        si.fault("no_role", -1)
        d.wait("source_up 0 without the role", lambda: d.csv_values("la", "gauge", "source_up")[-1] == 0, 30)
        down = [x for x in d.log().splitlines() if "source down" in x]
        print("     " + (down[0] if down else "(no 'source down' line)"))
        check(bool(down) and ROLE in down[0],
              "collectd: the log's 'source down' line names the missing role")
        time.sleep(3)
        check(len([x for x in d.log().splitlines() if "source down" in x]) == 1,
              "collectd: 'source down' logged once, not at every read")
        check(collectd_values(d, "la")["events_ingested"] == N, "collectd: the values ingested so far stay")
        si.clear_faults()
        d.wait("source_up 1 with the role back", lambda: d.csv_values("la", "gauge", "source_up")[-1] == 1, 30)
        check("source up again" in d.log(), "collectd: the log says the source is up again")
        check(collectd_values(d, "la") == REF, "collectd: nothing doubled after the outage")
        check(d.stop() == 0, "collectd: SIGTERM ends it with 0")
    except AssertionError as e:
        check(False, "collectd: " + str(e)[:3000])
    finally:
        si.clear_faults()
        if d.proc.poll() is None:
            d.stop()


def collectd_slow(delay):
    """(c) every query runs delay s; reads every 2 s (budget 1.6 s)."""
    si.set(delay=delay)
    d = collectd_daemon_for("collectd-slow", collectd_block("slow", 2))
    try:
        d.wait_socket()
        t0 = time.monotonic()

        def ingested():
            rows = d.csv_values("slow", "derive", "events_ingested")
            return rows[-1] if rows else 0
        d.wait("every row through collectd from the slow workspace", lambda: ingested() == N, 150)
        took = time.monotonic() - t0
        time.sleep(3)
        ups = d.csv_rows("slow", "gauge", "source_up")
        gaps = [b[0] - a[0] for a, b in zip(ups, ups[1:])]
        log = d.log()
        print("     collectd at %g s per query: %d rows in %.1f s; %d reads, widest gap %.1f s"
              % (delay, N, took, len(ups), max(gaps or [0])))
        check(took >= delay, "slow: the queries really were slow (%.1f s)" % took)
        # A value is stamped when its read ends: a short read then a full
        # one are interval + budget apart (3.6 s); a missed read makes 4 s.
        check(len(ups) >= 5 and max(gaps) < 3.9,
              "slow: a value at every 2 s interval while queries were running (widest gap %.2f s)"
              % max(gaps or [0]))
        check("above its read interval" not in log, "slow: no read callback took longer than its interval")
        errs = d.csv_values("slow", "derive", "source_errors")
        check(errs and max(errs) == 0, "slow: no source error counted (%s)" % errs[-1:])
        # A workspace that answers, slowly, is not down (a query is given
        # half its time-out before the source shows down): a NOC pages on
        # source_up 0.
        down = [x.split("source down: ", 1)[1] for x in log.splitlines() if "[slow]" in x and "source down" in x]
        check(not down and all(v == 1 for _, v in ups),
              "slow: source_up 1 at every read while queries took %g s (%d 'source down' lines, e.g. %s)"
              % (delay, len(down), down[:1]))
        check(ups[-1][1] == 1, "slow: source_up 1 once every row is in")
        check(collectd_values(d, "slow") == REF, "slow: the counters equal the replay's")
        check(d.stop() == 0, "slow: SIGTERM ends collectd with 0")
    except AssertionError as e:
        check(False, "slow: " + str(e)[:3000])
    finally:
        si.set(delay=0.0)
        if d.proc.poll() is None:
            d.stop()


# ---- SNMP ----

def snmp_live_and_down():
    """(b) and (d) through revmon-agentx."""
    import snmpharness
    cache = opts.cache if opts.cache and os.path.isdir(opts.cache) else "/nonexistent"
    mibdir = opts.mibdir or os.path.join(HERE, "..", "..", "..", "snmp")
    rig = snmpharness.Rig(None, opts.revmon, opts.agent, cache, mibdir)
    T = snmpharness.TABLE

    def cell(col, cells=None):
        oid = "%s.%d.1" % (T, col)
        got = (cells if cells is not None else rig.get(oid)).get(oid)
        return got[1] if got else None

    def values(cells):
        out = {}
        for name in COUNTERS + GAUGES:
            kind, col, _ = REG[name]
            out[name] = cell(col, cells)
        return out
    try:
        body = "source = loganalytics\npoll_interval = 1s\npoll_budget = 800ms\n" + "".join(
            "%s = %s\n" % kv for kv in keys(si))
        rig.write_agent_conf([("la", body)])
        rig.start_master()
        rig.start_agent()
        t0 = time.monotonic()
        ev = REG["events_ingested"][1]
        rig.wait_for("every row in the subagent's row", lambda: cell(ev) == N, timeout=60)
        print("     subagent: %d rows in %.1f s" % (N, time.monotonic() - t0))
        cells = rig.walk("snmpwalk", T)
        got = values(cells)
        check(cell(2, cells) == b"la" and cell(3, cells) == 1,
              "snmp: row 1 is the section, status up(1) (%r, %r)" % (cell(2, cells), cell(3, cells)))
        check(got == REF, "snmp: snmpwalk of revmonSourceTable: the counters equal the replay's:\n"
              "       %s\n       %s" % (got, REF))
        oids = ["%s.%d.1" % (T, REG[n][1]) for n in ("events_ingested", "signins", "revocations",
                                                      "stale_presentations")]
        g = rig.get(*oids)
        check([g[o][1] for o in oids] == [REF[n] for n in ("events_ingested", "signins", "revocations",
                                                           "stale_presentations")],
              "snmp: snmpget of events_ingested, signins, revocations, stale_presentations")

        # (d) the app loses its role on the workspace
        si.fault("no_role", -1)
        rig.wait_for("status down(2)", lambda: cell(3) == 2, timeout=30)
        err = (cell(4) or b"").decode(errors="replace")
        print("     revmonSourceLastError.1 = %r" % err)
        check(ROLE in err, "snmp: revmonSourceLastError names the missing role")
        check(cell(ev) == N, "snmp: the values ingested so far stay while down")
        if cache != "/nonexistent":
            out = rig.tool("snmpget", "REVMON-MIB::revmonSourceStatus.1", "REVMON-MIB::revmonSourceLastError.1",
                           mib=True, fmt=("-OQ",)).stdout
            print("     " + out.strip().replace("\n", "\n     "))
            check("down" in out and ROLE in out, "snmp: by name, revmonSourceStatus.1 = down and "
                  "revmonSourceLastError.1 names the role")
        si.clear_faults()
        rig.wait_for("status up(1) with the role back", lambda: cell(3) == 1, timeout=30)
        check(cell(4) == b"", "snmp: revmonSourceLastError empty again")
        check(values(rig.walk("snmpwalk", T)) == REF,
              "snmp: nothing doubled after the outage")
        check(rig.stop_agent() == 0, "snmp: SIGTERM ends the subagent with 0")
    except snmpharness.Fail as e:
        check(False, "snmp: %s\n%s" % (e, rig.log("agent.log")[-2000:]))
    finally:
        si.clear_faults()
        rig.close(keep=bool(TALLY.failures))


try:
    check(REF["events_ingested"] == N, "the file replay ingests every row (%s of %d)" % (REF["events_ingested"], N))
    if HAVE_COLLECTD:
        collectd_live_and_down()
    else:
        print("     (collectd or the plugin not here: its parts skipped)")
    if HAVE_AGENT:
        snmp_live_and_down()
    else:
        print("     (revmon-agentx or snmpd not here: its part skipped)")
    if HAVE_COLLECTD:
        collectd_slow(8)
finally:
    si.stop()

if TALLY.failures:
    print("kept", TMP)
else:
    shutil.rmtree(TMP, ignore_errors=True)
sys.exit(TALLY.summary())
