#!/usr/bin/env python3
"""A stalled endpoint under the real collectd daemon (issue 16, item 6):
revmon.so reads the graph stand-in (tests/integration/graph/standin.py)
whose token endpoint completes TLS and then never answers. While the
request hangs the block reports source_up 0 and collectd's log names the
endpoint (scheme://host:port/path, no query) and the time waited; when the
request's own time-out ends it, the retry gets a token, every record
arrives and the source is up again; SIGTERM then ends the daemon with 0.

usage: test_stall.py --revmon R --plugin revmon.so --collectd D --collectdctl C [--preload ASAN]
Exits 0 when all passed, 77 when the daemon cannot run here."""
import argparse
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "graph"))
import collectd_daemon  # noqa: E402
from standin import StandIn, recent_records  # noqa: E402
from tally import Tally  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--revmon", required=True)
ap.add_argument("--plugin", required=True)
ap.add_argument("--collectd", required=True)
ap.add_argument("--collectdctl", required=True)
ap.add_argument("--preload")
opts = ap.parse_args()
for tool in (opts.collectd, opts.plugin):
    if not os.path.exists(tool):
        print("skipped: %s not found" % tool)
        sys.exit(77)

TMP = tempfile.mkdtemp(prefix="revmon-stall-")
TALLY = Tally()
check = TALLY.check
lines, _ = recent_records(opts.revmon, 20, TMP)
si = StandIn(TMP, lines).start()
secret = si.secret_file(os.path.join(TMP, "client-secret"))
keys = {"graph_tenant": si.tenant, "graph_client_id": si.client_id, "graph_authority": si.base,
        "graph_base": si.base, "graph_ca_file": os.path.join(TMP, "ca.pem"),
        "graph_client_secret_file": secret, "graph_lookback": "4h", "graph_request_timeout": "8",
        "lag_window": "30d"}
block = "  <Source \"stall\">\n    Source \"graph\"\n    Interval 2\n%s  </Source>\n" % "".join(
    "    %s \"%s\"\n" % kv for kv in keys.items())
si.fault("token_stall", 1)
d = collectd_daemon.Daemon(os.path.join(TMP, "collectd"), opts.collectd, opts.collectdctl,
                           opts.plugin, block, preload=opts.preload)
try:
    d.wait_socket()

    def ups():
        return d.csv_values("stall", "gauge", "source_up")

    def ingested():
        rows = d.csv_values("stall", "derive", "events_ingested")
        return rows[-1] if rows else 0
    try:
        d.wait("source_up 0 while the token endpoint stalls", lambda: 0 in ups(), 30)
        down = [x for x in d.log().splitlines() if "source down" in x]
        print("     " + (down[0] if down else "(no 'source down' line)"))
        check(down and si.token_url() in down[0] and re.search(r"no answer after \d+\.\d s", down[0])
              and "?" not in down[0],
              "collectd's log names the stalled endpoint and the time waited")
        d.wait("every record once the stalled request timed out and was retried",
               lambda: ingested() == len(lines), 90)
        d.wait("source_up 1 again", lambda: ups()[-1] == 1, 20)
        log = d.log()
        check("source up again" in log, "collectd's log says the source is up again")
        check("milliseconds" not in log, "no time waited in libcurl's words (they count from a phase)")
    except AssertionError as e:
        check(False, str(e)[:3000])
    check(d.stop() == 0, "SIGTERM ends collectd with 0")
finally:
    si.stop()

if TALLY.failures:
    print("kept", TMP)
else:
    shutil.rmtree(TMP, ignore_errors=True)
sys.exit(TALLY.summary())
