#!/usr/bin/env python3
"""End-to-end tests of revmon's loganalytics source against the loopback
stand-in (standin.py): the same metrics as a file replay of the same rows,
windows split rather than cut (la_max_rows, partial answers, time-outs),
throttling and server faults recovered, the errors a person must fix named
(no role, unknown workspace, a table the diagnostic setting does not fill),
restarts of the Nagios check with its state file, the workspace's
ingestion latency, and no secret in anything the runs wrote.

usage: test_source.py REVMON CHECK_REVOCATION
"""
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
from standin import StandIn, simulator_rows  # noqa: E402
from tally import Tally  # noqa: E402
from report_doc import counts as doc_counts, first_monitor, metric, source_error  # noqa: E402

REVMON, CHECK = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="revmon-la-")
LOGGED = []
TALLY = Tally()
check = TALLY.check
# Counters must match a replay of the same rows exactly; lags too (lag_window
# covers all the data); families' presentations likewise.
EXACT = ("revocations", "revocations_admin", "revocations_password", "revocations_disable",
         "revocations_mfa", "revocations_risk", "revocations_inferred", "stale_presentations",
         "signins", "signins_interactive", "signin_failures", "signin_failures_revoked",
         "reauth_after_revocation", "events_ingested", "events_rejected", "events_duplicate",
         "revocation_lag_p50", "revocation_lag_p95", "revocation_lag_max", "stale_clients")


def run(args, timeout=300):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    LOGGED.extend((p.stdout, p.stderr))
    return p


def identity(si):
    return ["--set", "graph_tenant=" + si.tenant, "--set", "graph_client_id=" + si.client_id,
            "--set", "graph_authority=" + si.base, "--set", "graph_ca_file=" + os.path.join(si.dir, "ca.pem"),
            "--set", "graph_client_secret_file=" + SECRET, "--set", "la_base=" + si.base,
            "--set", "la_workspace=" + si.workspace, "--set", "la_lookback=6h"]


def report(si, *sets, source="loganalytics", timeout_s=120):
    args = [REVMON, "report", "--json", "--timeout", str(timeout_s), "--source", source,
            "--set", "lag_window=30d"]
    if source == "loganalytics":
        args += identity(si)
    for s in sets:
        args += ["--set", s]
    p = run(args)
    return p, first_monitor(p.stdout)


def counts(doc):
    return doc_counts(doc, EXACT)


si = StandIn(TMP, seed=5)
N = si.load(simulator_rows(REVMON, TMP))
si.rebase(end=time.time() - 60, by="ingestion")  # every row queryable now
si.start()
SECRET = si.secret_file(os.path.join(TMP, "client-secret"))
REPLAY = si.write_rows(os.path.join(TMP, "replay.ndjson"))
print("stand-in on %s, workspace %s, %d rows" % (si.base, si.workspace, N))

try:
    # ---- 1. a full poll gives the metrics of a replay of the same rows ----
    p, ref = report(si, source="file:" + REPLAY)
    check(p.returncode == 0 and ref is not None, "file replay of the rows runs")
    p, got = report(si)
    check(p.returncode == 0 and got is not None,
          "loganalytics poll runs (exit %d: %s)" % (p.returncode, p.stderr.strip()[-300:]))
    check(metric(got, "events_ingested") == N, "every row ingested once (%s of %d)"
          % (metric(got, "events_ingested"), N))
    check(counts(got) == counts(ref), "live = replay on counters, lags and families:\n  %s\n  %s"
          % (counts(got), counts(ref)))
    lat = metric(got, "source_latency_p95")
    check(lat is not None and 60 <= lat <= 600,
          "source_latency_p95 is the workspace's ingestion latency (1-10 min drawn): %s" % lat)
    check(metric(got, "source_up") == 1 and metric(got, "source_errors") == 0, "source up, no errors")
    texts = si.query_texts()
    check(all("ingestion_time() >" in t and "| take " in t for t in texts) and
          any(t.startswith("AuditLogs") for t in texts) and
          any(t.startswith("AADNonInteractiveUserSignInLogs") for t in texts),
          "queries: the three tables, in ingestion-time windows, capped (%d queries)" % len(texts))

    # ---- 2. windows too big are split, never cut ----
    def same_as_ref(what, *sets, **fault):
        si.reset()
        if fault:
            si.fault(fault.pop("name"), fault.pop("count", 2), **fault)
        n0 = len(si.query_texts())
        p, doc = report(si, *sets)
        si.clear_faults()
        check(p.returncode == 0 and counts(doc) == counts(ref),
              "%s: same figures as the replay (exit %d, %s ingested; %s)"
              % (what, p.returncode, metric(doc, "events_ingested"), source_error(doc)[:200]))
        return doc, len(si.query_texts()) - n0

    doc, nq = same_as_ref("la_max_rows=100: windows halved until they fit", "la_max_rows=100")
    check(nq > 3 * len(texts), "la_max_rows=100 took more queries (%d vs %d)" % (nq, len(texts)))
    same_as_ref("partial answers (PartialError) re-read smaller", name="partial", count=3)
    si.reset()
    si.set(max_rows=150)
    same_as_ref("the service's own row limit (a 200 PartialError) re-read smaller")
    si.reset()
    same_as_ref("a query past its time-out (504) re-read smaller", "la_request_timeout=1",
                name="slow", count=1, seconds=3)

    # ---- 3. throttling and server faults recover ----
    doc, _ = same_as_ref("429 with Retry-After", name="429", count=2, retry_after=1)
    check(metric(doc, "source_throttled") == 2, "429s counted as throttled (%s)" % metric(doc, "source_throttled"))
    same_as_ref("429 without Retry-After", name="429", count=1, retry_after=None)
    same_as_ref("503 twice", name="5xx", count=2, status=503)
    same_as_ref("a dropped connection", name="drop", count=1)
    # la_rate=2: the third of the three queries waits out the 30 s
    t0 = time.monotonic()
    doc, _ = same_as_ref("la_rate=2", "la_rate=2")
    times = sorted(t for path, t, _ in si.requests if "/query" in path and t >= t0)
    worst = max((sum(1 for u in times if t <= u < t + 30.0) for t in times), default=0)
    check(len(times) >= 3 and worst <= 2, "la_rate=2: at most 2 of its %d queries in any 30 s (saw %d)"
          % (len(times), worst))

    # ---- 4. what a person must fix is named, and the check says UNKNOWN ----
    def broken(what, expect, *sets, **fault):
        si.reset()
        if fault:
            si.fault(fault.pop("name"), -1, **fault)
        p, doc = report(si, *sets)
        si.reset()
        err = source_error(doc)
        check(p.returncode == 1 and re.search(expect, err), "%s: %r" % (what, err[:300]))

    broken("no role on the workspace", r"Log Analytics Reader", name="no_role")
    broken("unknown workspace", r"Workspace ID", "la_workspace=00000000-0000-0000-0000-000000000000")
    si.set(absent_tables=["AADNonInteractiveUserSignInLogs"])
    p, doc = report(si)
    err = source_error(doc)
    check(p.returncode == 1 and "NonInteractiveUserSignInLogs category" in err and
          "la_noninteractive" in err, "a table the diagnostic setting does not fill is named: %r" % err[:300])
    p, doc = report(si, "la_noninteractive=no")
    check(p.returncode == 0 and 0 < metric(doc, "events_ingested") < N,
          "la_noninteractive=no reads the other tables (%s of %d)" % (metric(doc, "events_ingested"), N))
    si.reset()
    p = run([CHECK, "--source", "loganalytics", "-t", "60", "--state-file", os.path.join(TMP, "norole.state")]
            + identity(si) + ["--set", "la_workspace=00000000-0000-0000-0000-000000000000"])
    check(p.returncode == 3 and "Workspace ID" in p.stdout, "check_revocation: an unusable source is UNKNOWN (%d: %s)"
          % (p.returncode, (p.stdout or p.stderr).splitlines()[0] if (p.stdout or p.stderr) else ""))

    # ---- 5. restarts of the check: nothing doubled or lost ----
    si.reset()
    si.rebase(end=time.time() + 25, by="ingestion")  # the newest rows become queryable over 25 s
    state = os.path.join(TMP, "check.state")
    base = [CHECK, "--source", "loganalytics", "-t", "120", "--state-file", state,
            "--set", "lag_window=30d"] + identity(si)

    def perf(out):
        return dict(re.findall(r"'?([a-z0-9_]+)'?=([0-9.]+)c?", out.split("|", 1)[-1]))

    p1 = run(base)
    n1 = int(float(perf(p1.stdout).get("events_ingested", "-1")))
    check(p1.returncode in (0, 1, 2) and 0 < n1 < N, "check run 1 (newest rows not yet ingested): %d of %d (%s)"
          % (n1, N, p1.stdout[:200]))
    time.sleep(30)
    p2 = run(base)
    pf = perf(p2.stdout)
    check(int(float(pf.get("events_ingested", "-1"))) == N,
          "check run 2: the rest arrives, none doubled (%s of %d)" % (pf.get("events_ingested"), N))
    check(float(pf.get("events_duplicate", "-1")) == 0, "check run 2: no duplicates reached the analyzer")
    p3 = run(base)
    check(int(float(perf(p3.stdout).get("events_ingested", "-1"))) == N, "check run 3: nothing counted twice")

    # ---- 6. no secret in anything written ----
    with open(SECRET) as f:
        secret = f.read().strip()
    with open(state, "rb") as f:
        blob = f.read()
    check(secret.encode() not in blob, "the state file holds no secret")
    check(not any(secret in s for s in LOGGED), "no output holds the secret")
    check(not any(re.search(r"eyJ[A-Za-z0-9_-]{20,}\.", s) for s in LOGGED), "no output holds a token")
finally:
    si.stop()

sys.exit(TALLY.summary())
