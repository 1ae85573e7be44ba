#!/usr/bin/env python3
"""The eventhub source through the collectd plugin, against librdkafka's
mock cluster (mockhub), as test_source.py does for `revmon report` and
the check:

(a) a <Source> block with Source "eventhub": the counters read back from
    the daemon (csv) equal a `revmon report` file replay of the same
    bodies, source_backlog 0 once caught up, source_up 1;
(b) failover between two running daemons in one consumer group: B, started
    while A holds every partition, is given half of them; A killed with
    SIGKILL, B is given A's partitions once A's session times out and
    reads them (collectd keeps no state file, so nothing was committed and
    B reads them from the oldest message): every record reaches B;
(c) the broker down: source_up 0 and the log's "source down" line naming
    it, the values ingested so far kept; up again when it is back;
(e) a hub that does not exist yet: source down naming it; once created
    (a diagnostic setting creates its hub with the first record) and
    written, the same running daemon reads it;
(d) revmon-agentx under a real snmpd with a [section] of the same keys:
    snmpwalk of revmonSourceTable gives the replay's counters and
    revmonSourceBacklog 0; the broker down: revmonSourceStatus down(2) and
    revmonSourceLastError naming it; up(1) again when it is back.

usage: test_adapters.py --revmon R --mockhub M [--plugin revmon.so --collectd D --collectdctl C [--preload ASAN]]
                        [--agent revmon-agentx [--cache MIBCACHE --mibdir DIR]]
Exits 77 when neither adapter can run here."""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "collectd"))
from hub import MockHub  # noqa: E402
from tally import Tally  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--revmon", required=True)
ap.add_argument("--mockhub", required=True)
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
sys.path.insert(0, os.path.join(HERE, "..", "snmp"))

TMP = tempfile.mkdtemp(prefix="revmon-eh-adapters-")
TALLY = Tally()
check = TALLY.check
# reauth_after_revocation depends on the order partitions are read in (see
# test_source.py); these do not.
COUNTERS = ("events_ingested", "signins", "signins_interactive", "signin_failures",
            "signin_failures_revoked", "revocations", "revocations_admin", "revocations_password",
            "revocations_disable", "stale_presentations", "events_rejected")


def registry():
    """name -> (collectd type, SNMP column), from `revmon metrics --markdown`."""
    out = subprocess.run([opts.revmon, "metrics", "--markdown"], check=True, capture_output=True,
                         text=True).stdout
    reg, col = {}, {}
    for line in out.splitlines():
        m = re.match(r"\|\s*`([a-z0-9_]+)`\s*\|\s*(counter|gauge)\s*\|.*\|\s*(\d+) \(x\d+,[^|]*\|\s*`(\w+)`\s*\|$",
                     line)
        if m:
            reg[m.group(1)] = m.group(4)
            col[m.group(1)] = int(m.group(3))
    return reg, col


REG, COLUMN = registry()
BODIES = os.path.join(TMP, "bodies.ndjson")
subprocess.run([opts.revmon, "simulate", "--shape", "eventhub", "--out", BODIES, "--set", "sim_users=400"],
               check=True)
N = sum(len(json.loads(line)["records"]) for line in open(BODIES) if line.strip())
p = subprocess.run([opts.revmon, "report", "--json", "--source", "file:" + BODIES], capture_output=True,
                   text=True, check=True)
REF = {k: json.loads(p.stdout)["monitors"][0]["metrics"][k]["value"] for k in COUNTERS}
hub = MockHub(opts.mockhub, "hub:16")
hub.do("produce hub " + BODIES)
print("mock cluster on %s; %d records; replay: %s" % (hub.bootstrap, N, REF))


def block(name, group, topic="hub"):
    keys = [("EventhubBootstrap", hub.bootstrap), ("EventhubTopics", topic), ("EventhubGroup", group)]
    # librdkafka's properties: collectd's keys hold no dot
    rdkafka = [("security.protocol", "plaintext"), ("session.timeout.ms", "6000"),
               ("heartbeat.interval.ms", "500")]
    body = "".join('    %s "%s"\n' % kv for kv in keys)
    body += "".join('    EventhubRdkafka "%s" "%s"\n' % kv for kv in rdkafka)
    return '  <Source "%s">\n    Source "eventhub"\n    Interval 1\n%s  </Source>\n' % (name, body)


def daemon(sub, name, group, topic="hub"):
    import collectd_daemon
    return collectd_daemon.Daemon(os.path.join(TMP, sub), opts.collectd, opts.collectdctl, opts.plugin,
                                  block(name, group, topic), preload=opts.preload)


def last(d, name, metric):
    rows = d.csv_values(name, REG[metric], metric)
    return rows[-1] if rows else None


def values(d, name):
    return {k: last(d, name, k) for k in COUNTERS}


def live_and_down():
    """(a) and (c)."""
    d = daemon("collectd", "eh", "collectd")
    try:
        d.wait_socket()
        d.wait("every record through collectd", lambda: last(d, "eh", "events_ingested") == N, 90)
        time.sleep(1.5)  # one read more: every value of that read is written
        check(values(d, "eh") == REF, "collectd: the counters equal the replay's:\n       %s\n       %s"
              % (values(d, "eh"), REF))
        d.wait("source_backlog 0", lambda: last(d, "eh", "source_backlog") == 0, 30)
        check(True, "collectd: source_backlog 0 once caught up")
        check(last(d, "eh", "source_up") == 1, "collectd: source_up 1")
        hub.do("down 1")
        d.wait("source_up 0 with the broker down", lambda: last(d, "eh", "source_up") == 0, 60)
        down = [x for x in d.log().splitlines() if "source down" in x]
        check(bool(down) and "no broker" in down[0], "collectd: the log's 'source down' line: %s"
              % (down[0] if down else "(none)"))
        check(last(d, "eh", "events_ingested") == N, "collectd: the values ingested so far stay")
        hub.do("up 1")
        d.wait("source_up 1 with the broker back", lambda: last(d, "eh", "source_up") == 1, 60)
        check("source up again" in d.log(), "collectd: the log says the source is up again")
        check(d.stop() == 0, "collectd: SIGTERM ends it with 0")
    except AssertionError as e:
        check(False, "collectd: " + str(e)[:3000])
    finally:
        hub.do("up 1")
        if d.proc.poll() is None:
            d.stop()


def failover():
    """(b)."""
    a = daemon("collectd-a", "eh", "failover")
    b = None
    try:
        a.wait_socket()
        a.wait("A reads every record", lambda: last(a, "eh", "events_ingested") == N, 90)
        b = daemon("collectd-b", "eh", "failover")
        b.wait_socket()
        b.wait("B given some partitions", lambda: (last(b, "eh", "events_ingested") or 0) > 0, 60)
        time.sleep(3)
        share = last(b, "eh", "events_ingested")
        check(0 < share < N, "B, started beside A, reads its share of the partitions (%s of %d)" % (share, N))
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait()
        t0 = time.monotonic()
        b.wait("B takes A's partitions over", lambda: last(b, "eh", "events_ingested") == N, 90)
        print("     B had every record %.1f s after A was killed (session.timeout.ms 6 s)"
              % (time.monotonic() - t0))
        check(True, "A killed: B is given its partitions and reads them (%d of %d)" % (N, N))
        b.wait("B caught up", lambda: last(b, "eh", "source_backlog") == 0, 30)
        check(True, "B: source_backlog 0")
        check(b.stop() == 0, "collectd B: SIGTERM ends it with 0")
    except AssertionError as e:
        check(False, "collectd failover: " + str(e)[:3000])
    finally:
        for d in (a, b):
            if d and d.proc.poll() is None:
                d.stop()


def hub_created_later():
    """(e)."""
    d = daemon("collectd-later", "later", "later", topic="later")
    try:
        d.wait_socket()
        d.wait("a first source_up", lambda: last(d, "later", "source_up") is not None, 60)
        down = [x for x in d.log().splitlines() if "source down" in x]
        # the source subscribes only to hubs it has seen, so the mock broker
        # (which makes a topic a consumer asks for) never makes this one
        check(last(d, "later", "source_up") == 0 and bool(down) and "'later' does not exist" in down[0],
              "collectd: the missing hub is named, the source down: %s" % (down[0] if down else "(none)"))
        time.sleep(4)
        check(all(v == 0 for v in d.csv_values("later", "gauge", "source_up")),
              "collectd: it stays down while the hub is missing (not made by the consumer's requests)")
        hub.do("create later 4")
        hub.do("produce later " + BODIES)
        d.wait("every record of the hub created later", lambda: last(d, "later", "events_ingested") == N, 90)
        check(last(d, "later", "source_up") == 1, "collectd: the hub created later is read, source up")
        check(d.stop() == 0, "collectd: SIGTERM ends it with 0")
    except AssertionError as e:
        check(False, "collectd, hub created later: " + str(e)[:3000])
    finally:
        if d.proc.poll() is None:
            d.stop()


def snmp_live_and_down():
    """(d) through revmon-agentx."""
    import snmpharness
    cache = opts.cache if opts.cache and os.path.isdir(opts.cache) else "/nonexistent"
    mibdir = opts.mibdir or os.path.join(HERE, "..", "..", "..", "snmp")
    rig = snmpharness.Rig(None, opts.revmon, opts.agent, cache, mibdir)
    T = snmpharness.TABLE

    def cell(col, cells=None):
        oid = "%s.%d.1" % (T, col)
        got = (cells if cells is not None else rig.get(oid)).get(oid)
        return got[1] if got else None
    try:
        body = ("source = eventhub\npoll_interval = 1s\npoll_budget = 800ms\neventhub_bootstrap = %s\n"
                "eventhub_topics = hub\neventhub_group = snmp\neventhub_rdkafka.security.protocol = plaintext\n"
                % hub.bootstrap)
        rig.write_agent_conf([("eh", body)])
        rig.start_master()
        rig.start_agent()
        ev = COLUMN["events_ingested"]
        rig.wait_for("every record in the subagent's row", lambda: cell(ev) == N, timeout=90)
        rig.wait_for("revmonSourceBacklog 0", lambda: cell(COLUMN["source_backlog"]) == 0, timeout=30)
        cells = rig.walk("snmpwalk", T)
        got = {k: cell(COLUMN[k], cells) for k in COUNTERS}
        check(cell(2, cells) == b"eh" and cell(3, cells) == 1,
              "snmp: row 1 is the section, status up(1) (%r, %r)" % (cell(2, cells), cell(3, cells)))
        check(got == REF, "snmp: snmpwalk of revmonSourceTable: the counters equal the replay's:\n"
              "       %s\n       %s" % (got, REF))
        check(cell(COLUMN["source_backlog"], cells) == 0, "snmp: revmonSourceBacklog 0 once caught up")
        hub.do("down 1")
        rig.wait_for("status down(2)", lambda: cell(3) == 2, timeout=60)
        err = (cell(4) or b"").decode(errors="replace")
        check("no broker" in err, "snmp: revmonSourceLastError names it: %r" % err)
        check(cell(ev) == N, "snmp: the values ingested so far stay while down")
        hub.do("up 1")
        rig.wait_for("status up(1) with the broker back", lambda: cell(3) == 1, timeout=60)
        check(cell(4) == b"", "snmp: revmonSourceLastError empty again")
        check(rig.stop_agent() == 0, "snmp: SIGTERM ends the subagent with 0")
    except snmpharness.Fail as e:
        check(False, "snmp: %s\n%s" % (e, rig.log("agent.log")[-2000:]))
    finally:
        hub.do("up 1")
        rig.close(keep=bool(TALLY.failures))


try:
    if HAVE_COLLECTD:
        live_and_down()
        failover()
        hub_created_later()
    else:
        print("     (collectd or the plugin not here: its parts skipped)")
    if HAVE_AGENT:
        snmp_live_and_down()
    else:
        print("     (revmon-agentx or snmpd not here: its part skipped)")
finally:
    hub.stop()
sys.exit(TALLY.summary())
