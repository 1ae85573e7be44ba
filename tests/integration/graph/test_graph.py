#!/usr/bin/env python3
"""End-to-end tests of revmon's graph source against the loopback stand-in
(standin.py): the same metrics as a file replay of the same records, every
fault mode, restarts with a state file, the request budget, certificate
authentication, secret-file permissions, and no secret or token in anything
the runs wrote.

usage: test_graph.py REVMON CHECK_REVOCATION
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from standin import StandIn, recent_records  # noqa: E402
from tally import Tally  # noqa: E402

REVMON, CHECK = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="revmon-graph-")
LOGGED = []        # everything the runs printed, for the leak grep
TALLY = Tally()
check = TALLY.check
# Counters must match exactly; lag gauges too (lag_window covers all the data).
EXACT = ("revocations", "revocations_admin", "revocations_password", "revocations_disable",
         "revocations_mfa", "revocations_risk", "revocations_inferred", "stale_presentations",
         "signins", "signins_interactive", "signin_failures", "signin_failures_revoked",
         "reauth_after_revocation", "events_ingested", "events_rejected", "events_duplicate",
         "revocation_lag_p50", "revocation_lag_p95", "revocation_lag_max")


def run(args, env=None, timeout=300):
    e = dict(os.environ)
    e.pop("REVMON_STATE_DIR", None)
    e.update(env or {})
    p = subprocess.run(args, capture_output=True, text=True, env=e, timeout=timeout)
    LOGGED.append(p.stdout)
    LOGGED.append(p.stderr)
    return p


def report(si, *sets, source="graph", env=None, secret=True, timeout_s=240):
    args = [REVMON, "report", "--json", "--timeout", str(timeout_s), "--source", source,
            "--set", "lag_window=30d"]
    if source == "graph":
        args += ["--set", "graph_tenant=" + si.tenant, "--set", "graph_client_id=" + si.client_id,
                 "--set", "graph_authority=" + si.base, "--set", "graph_base=" + si.base,
                 "--set", "graph_ca_file=" + os.path.join(si.dir, "ca.pem"),
                 "--set", "graph_lookback=4h"]
        if secret:
            args += ["--set", "graph_client_secret_file=" + SECRET_FILE]
    for s in sets:
        args += ["--set", s]
    p = run(args, env=env)
    doc = None
    if p.stdout.strip():
        try:
            doc = json.loads(p.stdout)["monitors"][0]
        except (ValueError, KeyError, IndexError):
            doc = None
    return p, doc


def metric(doc, name):
    return doc["metrics"][name]["value"] if doc else None


def counts_of(doc):
    return {k: metric(doc, k) for k in EXACT}


def max_since(si, since):
    times = sorted(t for p, t, _ in si.requests if p.startswith(si.AUDIT_PATHS) and t >= since)
    return max((sum(1 for u in times if t <= u < t + 10.0) for t in times), default=0)


def budget_ok(si, since, what):
    worst = max_since(si, since)
    check(worst <= 5, "%s: at most 5 audit-log requests in any 10 s (saw %d)" % (what, worst))


# ---- the records: the simulator's, moved so the newest is two minutes old ----
lines, REPLAY = recent_records(REVMON, 150, TMP)
si = StandIn(TMP, lines).start()
SECRET_FILE = si.secret_file(os.path.join(TMP, "client-secret"))
print("stand-in on %s with %d sign-ins and %d audits" % (si.base, len(si.signins), len(si.audits)))

try:
    # ---- 1. a full poll gives the metrics of a replay of the same records ----
    p, ref = report(si, source="file:" + REPLAY)
    check(p.returncode == 0 and ref is not None, "file replay runs")
    t0 = time.monotonic()
    p, got = report(si, "graph_page_size=100")
    check(p.returncode == 0 and got is not None, "graph poll runs (exit %d: %s)" % (p.returncode, p.stderr.strip()[-300:]))
    check(metric(got, "events_ingested") == len(lines),
          "every record ingested once (%s of %d)" % (metric(got, "events_ingested"), len(lines)))
    check(counts_of(got) == counts_of(ref), "graph poll = file replay on counters and lags:\n  %s\n  %s"
          % (counts_of(got), counts_of(ref)))
    check(si.count("/beta/auditLogs/signIns") >= 4, "sign-ins were paged (%d requests)"
          % si.count("/beta/auditLogs/signIns"))
    check(metric(got, "source_up") == 1 and metric(got, "source_errors") == 0, "source up, no errors")
    budget_ok(si, t0, "paged poll")
    BASE_INGESTED = metric(got, "events_ingested")

    # ---- 2. every fault mode recovers or reports clearly ----
    def fault_run(name, *sets, expect_ok=True, count=2, **params):
        si.clear_faults()
        si.fault(name, count, **params)
        t = time.monotonic()
        p, doc = report(si, *sets)
        si.clear_faults()
        budget_ok(si, t, name)
        if expect_ok:
            check(p.returncode == 0 and metric(doc, "events_ingested") == BASE_INGESTED,
                  "%s: recovers, nothing lost or doubled (exit %d, %s ingested) %s"
                  % (name, p.returncode, metric(doc, "events_ingested"), p.stderr.strip()[-200:]))
        return p, doc

    p, doc = fault_run("429", retry_after="1.25")
    check(metric(doc, "source_throttled") == 2, "429: source_throttled counts both (%s)"
          % metric(doc, "source_throttled"))
    p, doc = fault_run("5xx", count=3, status=503)
    check((metric(doc, "source_errors") or 0) >= 3, "5xx burst: source_errors counts it")
    fault_run("5xx", count=1, status=500)
    p, doc = fault_run("slow", "graph_request_timeout=2", count=1, seconds=4)
    check((metric(doc, "source_errors") or 0) >= 1, "slow answer: timed out and retried")
    fault_run("drop", count=2)
    p, doc = fault_run("truncated", count=2)
    check(metric(doc, "events_rejected") == 0, "truncated body: retried, nothing rejected")
    p, doc = fault_run("malformed", count=2)
    check(metric(doc, "events_rejected") == 0, "malformed body: retried, nothing rejected")
    fault_run("token_5xx", count=1)
    p, doc = fault_run("token_audience", count=1)

    # Dropped connections (issue 16, item 10): a request read on a kept-alive
    # connection that then dies is one libcurl re-sends by itself; every
    # send must count against the budget, and every drop as an error.
    si.clear_faults()
    si.fault("drop_every", -1, every=3)
    t = time.monotonic()
    p, doc = report(si, "graph_page_size=40")
    si.clear_faults()
    drops = sum(1 for _, u, code in si.requests if code == 0 and u >= t)
    audit = sum(1 for x, u, _ in si.requests if x.startswith(si.AUDIT_PATHS) and u >= t)
    print("     every third request on a kept-alive connection dropped: %d drops, %d audit-log "
          "requests, at most %d in 10 s, source_errors %s"
          % (drops, audit, max_since(si, t), metric(doc, "source_errors")))
    check(p.returncode == 0 and metric(doc, "events_ingested") == BASE_INGESTED,
          "dropped connections: every record read (exit %d, %s) %s"
          % (p.returncode, metric(doc, "events_ingested"), p.stderr.strip()[-200:]))
    budget_ok(si, t, "every third kept-alive connection dropped (the re-sends count)")
    check(drops >= 3 and (metric(doc, "source_errors") or 0) >= drops,
          "dropped connections counted as errors (%s for %d drops)" % (metric(doc, "source_errors"), drops))

    p, doc = fault_run("premium", expect_ok=False, count=-1)
    err = (doc or {}).get("sources", [{}])[0].get("error") or ""
    check(p.returncode == 1 and "tenant lacks Entra ID P1/P2" in err,
          "premium 403: reported as a missing licence (%r)" % err)
    p, doc = fault_run("denied", expect_ok=False, count=-1)
    err = (doc or {}).get("sources", [{}])[0].get("error") or ""
    check(p.returncode == 1 and "AuditLog.Read.All" in err, "permission 403: names the permission (%r)" % err)
    p, doc = fault_run("expired_secret", expect_ok=False, count=-1)
    err = (doc or {}).get("sources", [{}])[0].get("error") or ""
    check(p.returncode == 1 and "7000222" in err and "expired" in err,
          "expired secret: reported by code (%r)" % err)
    p, doc = fault_run("token_audience", expect_ok=False, count=-1)
    err = (doc or {}).get("sources", [{}])[0].get("error") or ""
    check(p.returncode == 1 and "audience" in err, "wrong token audience: reported (%r)" % err)

    # The Nagios check: a licence problem needs a person (UNKNOWN), not CRITICAL.
    si.fault("premium", -1)
    state = os.path.join(TMP, "premium.state")
    p = run([CHECK, "--source", "graph", "-t", "60", "--state-file", state,
             "--set", "graph_tenant=" + si.tenant, "--set", "graph_client_id=" + si.client_id,
             "--set", "graph_authority=" + si.base, "--set", "graph_base=" + si.base,
             "--set", "graph_ca_file=" + os.path.join(TMP, "ca.pem"),
             "--set", "graph_client_secret_file=" + SECRET_FILE])
    si.clear_faults()
    check(p.returncode == 3 and "P1/P2" in p.stdout, "check_revocation: licence problem is UNKNOWN (%d: %s)"
          % (p.returncode, p.stdout.splitlines()[0] if p.stdout else p.stderr))

    # ---- 3. restarts with a state file: late records, nothing doubled or lost ----
    si.hide_late(600)
    state = os.path.join(TMP, "check.state")
    base_check = [CHECK, "--source", "graph", "-t", "120", "--state-file", state,
                  "--set", "graph_tenant=" + si.tenant, "--set", "graph_client_id=" + si.client_id,
                  "--set", "graph_authority=" + si.base, "--set", "graph_base=" + si.base,
                  "--set", "graph_ca_file=" + os.path.join(TMP, "ca.pem"),
                  "--set", "graph_client_secret_file=" + SECRET_FILE,
                  "--set", "graph_lookback=4h", "--set", "graph_page_size=300",
                  "--set", "lag_window=30d"]

    def perf(out):
        return {k: v for k, v in re.findall(r"'?([a-z0-9_]+)'?=([0-9.]+)c?", out.split("|", 1)[-1])}

    t = time.monotonic()
    p1 = run(base_check)
    n1 = int(float(perf(p1.stdout).get("events_ingested", "-1")))
    check(p1.returncode in (0, 1, 2) and 0 < n1 < len(lines),
          "check run 1 (late records withheld): %d of %d (%s)" % (n1, len(lines), p1.stdout[:200]))
    si.release_late()
    p2 = run(base_check)
    pf = perf(p2.stdout)
    check(int(float(pf.get("events_ingested", "-1"))) == len(lines),
          "check run 2: the late records arrive, none doubled (%s of %d)" % (pf.get("events_ingested"), len(lines)))
    check(float(pf.get("events_duplicate", "-1")) == 0, "check run 2: no duplicates reached the analyzer")
    p3 = run(base_check)
    check(int(float(perf(p3.stdout).get("events_ingested", "-1"))) == len(lines),
          "check run 3: nothing new, nothing counted twice")
    budget_ok(si, t, "three checks back to back (request times kept in the state file)")
    with open(state, "rb") as f:
        STATE_BYTES = f.read()
    check(os.stat(state).st_mode & 0o077 == 0, "state file is private")

    # ---- 4. certificate authentication end to end ----
    p, doc = report(si, "graph_certificate_file=" + os.path.join(TMP, "app.pem"),
                    "graph_private_key_file=" + os.path.join(TMP, "app.key"), secret=False)
    check(p.returncode == 0 and metric(doc, "events_ingested") == len(lines),
          "certificate (client assertion) authentication (exit %d: %s)" % (p.returncode, p.stderr[-200:]))
    si.fault("assertion_audience", -1)
    p, doc = report(si, "graph_certificate_file=" + os.path.join(TMP, "app.pem"),
                    "graph_private_key_file=" + os.path.join(TMP, "app.key"), secret=False)
    si.clear_faults()
    err = (doc or {}).get("sources", [{}])[0].get("error") or ""
    check(p.returncode == 1 and "AADSTS700021" in err, "assertion with a wrong audience: refused, by code (%r)" % err)

    # ---- 5. secrets: permissions, the environment, missing keys ----
    os.chmod(SECRET_FILE, 0o644)
    p, _ = report(si)
    check(p.returncode == 2 and SECRET_FILE in p.stderr and "0644" in p.stderr,
          "secret file readable by others: refused, naming file and mode (%s)" % p.stderr.strip())
    os.chmod(SECRET_FILE, 0o600)
    os.chmod(os.path.join(TMP, "app.key"), 0o640)
    p, _ = report(si, "graph_certificate_file=" + os.path.join(TMP, "app.pem"),
                  "graph_private_key_file=" + os.path.join(TMP, "app.key"), secret=False)
    check(p.returncode == 2 and "app.key" in p.stderr and "0640" in p.stderr,
          "private key readable by group: refused (%s)" % p.stderr.strip())
    os.chmod(os.path.join(TMP, "app.key"), 0o600)
    p, doc = report(si, "graph_client_secret_env=REVMON_TEST_SECRET", secret=False,
                    env={"REVMON_TEST_SECRET": si.secret})
    check(p.returncode == 0 and metric(doc, "events_ingested") == len(lines), "secret from the environment")
    p = run([REVMON, "report", "--source", "graph", "--set", "graph_tenant=t"])
    check(p.returncode == 2 and "graph_client_id" in p.stderr, "missing key named (%s)" % p.stderr.strip())
    p = run([REVMON, "report", "--source", "graph", "--set", "graph_base=http://example.com"])
    check(p.returncode == 2 and "https" in p.stderr, "plain http refused (%s)" % p.stderr.strip())

    # TLS verification stays on: without the stand-in's CA the poll fails.
    p = run([REVMON, "report", "--json", "--timeout", "60", "--source", "graph",
             "--set", "graph_tenant=" + si.tenant, "--set", "graph_client_id=" + si.client_id,
             "--set", "graph_authority=" + si.base, "--set", "graph_base=" + si.base,
             "--set", "graph_client_secret_file=" + SECRET_FILE])
    check(p.returncode == 1 and "certificate" in p.stdout + p.stderr,
          "an unknown CA is refused (%s)" % (p.stderr.strip()[-200:]))

    # ---- 6. refusals whose failure text names no revocation time, with the
    #      audits unread: the users' signInSessionsValidFromDateTime ----
    VALID_FROM = re.compile(r" The grant was issued on '[^']*' and the TokensValidFrom date "
                            r"\(before which tokens are not valid\) for this user is '([^']*)'\.")
    sessions, bare = {}, []
    for x in lines:
        r = json.loads(x)
        if "activityDateTime" in r:
            continue
        m = VALID_FROM.search(r["status"].get("failureReason") or "")
        if m:
            sessions[r["userId"]] = max(sessions.get(r["userId"], ""), m.group(1))
            r["status"]["failureReason"] = VALID_FROM.sub("", r["status"]["failureReason"])
        bare.append(json.dumps(r))
    kept = (si.signins, si.audits)
    si.signins, si.audits = [], []
    for x in bare:
        si.add(x)
    si.sessions = sessions
    try:
        p, off = report(si, "graph_session_lookup=no")
        n0 = si.count("/v1.0/users/")
        p, on = report(si)
        lookups = si.count("/v1.0/users/") - n0
        print("     bare refusals: %d users; lookups %d; inferred %s/%s; lag p50 %s/%s (ref %s), p95 %s (ref %s)"
              % (len(sessions), lookups, metric(off, "revocations_inferred"),
                 metric(on, "revocations_inferred"), metric(off, "revocation_lag_p50"),
                 metric(on, "revocation_lag_p50"), metric(ref, "revocation_lag_p50"),
                 metric(on, "revocation_lag_p95"), metric(ref, "revocation_lag_p95")))
        check(metric(off, "revocations_inferred") == 0 and metric(off, "revocation_lag_p50") is None,
              "graph_session_lookup = no: refusals without dates give no lag")
        check(0 < lookups <= len(sessions), "one lookup per user at most (%d for %d users)"
              % (lookups, len(sessions)))
        check(metric(on, "revocations_inferred") and metric(on, "revocation_lag_p50") is not None
              and abs(metric(on, "revocation_lag_p50") - metric(ref, "revocation_lag_p50")) <= 1
              and abs(metric(on, "revocation_lag_p95") - metric(ref, "revocation_lag_p95")) <= 1,
              "signInSessionsValidFromDateTime gives the lags the audits and texts gave")
        check(metric(on, "stale_clients") == metric(ref, "stale_clients"),
              "and the same stuck clients (%s, ref %s)" % (metric(on, "stale_clients"),
                                                          metric(ref, "stale_clients")))
        si.fault("users_denied", -1)
        n0 = si.count("/v1.0/users/")
        p, denied = report(si)
        si.clear_faults()
        check(p.returncode == 0 and metric(denied, "source_up") == 1
              and si.count("/v1.0/users/") - n0 == 1 and p.stderr.count("User.Read.All") == 1,
              "lookups refused (403): said once, naming User.Read.All, and turned off; the source "
              "stays up (exit %d)" % p.returncode)
    finally:
        si.signins, si.audits = kept
        si.sessions = None

    # ---- 6b. the lookups under attack (issue 16, item 9): every third Graph
    #      request, users lookups included, throttled, failing, truncated
    #      or malformed: retried like pages, never cached as an answer ----
    si.signins, si.audits = [], []
    for x in bare:
        si.add(x)
    si.sessions = sessions
    try:
        p, clean = report(si)
        want = metric(clean, "revocations_inferred")
        check(p.returncode == 0 and want, "bare refusals: revocations inferred (%s)" % want)
        for mode in ("429", "5xx", "truncated", "malformed"):
            si.clear_faults()
            si.fault(mode, -1, every=3, retry_after="0.5")
            si.fault("users_" + mode, -1, every=3, retry_after="0.5")
            p, doc = report(si)
            si.clear_faults()
            print("     every third request %s: revocations_inferred %s of %s, source_errors %s, "
                  "source_throttled %s" % (mode, metric(doc, "revocations_inferred"), want,
                                            metric(doc, "source_errors"), metric(doc, "source_throttled")))
            check(p.returncode == 0 and metric(doc, "revocations_inferred") == want
                  and metric(doc, "revocation_lag_p95") == metric(clean, "revocation_lag_p95"),
                  "every third request %s: every lookup retried to its answer (%s of %s inferred)"
                  % (mode, metric(doc, "revocations_inferred"), want))
        # A run whose lookups all fail keeps them in its state file; the next
        # run asks again (and the check sees the revocations).
        state = os.path.join(TMP, "lookups.state")
        lookup_check = base_check[:]
        lookup_check[lookup_check.index("--state-file") + 1] = state
        si.fault("users_5xx", -1)
        p1 = run(lookup_check)
        si.clear_faults()
        n0 = si.count("/v1.0/users/")
        p2 = run(lookup_check)
        got = int(float(perf(p2.stdout).get("revocations_inferred", "-1")))
        print("     lookups failing in run 1 (%s), asked again in run 2: %d lookups, %d inferred"
              % (perf(p1.stdout).get("revocations_inferred"), si.count("/v1.0/users/") - n0, got))
        check(float(perf(p1.stdout).get("revocations_inferred", "-1")) == 0 and got == want,
              "lookups lost to failures in one run are retried by the next (%d of %s)" % (got, want))
    finally:
        si.clear_faults()
        si.signins, si.audits = kept
        si.sessions = None

    # ---- 6c. a stalled endpoint (issue 16, item 6): down, named, with the time ----
    si.fault("token_stall", -1)
    p, doc = report(si, timeout_s=7)
    si.clear_faults()
    err = (doc or {}).get("sources", [{}])[0].get("error") or ""
    check(metric(doc, "source_up") == 0 and si.token_url() in err and "no answer after" in err
          and "?" not in err,
          "token endpoint stalled after TLS: source down, endpoint and time named (%r)" % err)
    silent = si.silent_endpoint()
    p, doc = report(si, "graph_authority=" + silent, timeout_s=14)
    err = (doc or {}).get("sources", [{}])[0].get("error") or ""
    check(metric(doc, "source_up") == 0 and silent + "/" + si.tenant in err
          and re.search(r"no answer after (9|10)\.\d s", err) and "milliseconds" not in err,
          "TCP endpoint that never speaks: down, named, the time waited ours (%r)" % err)
    si.fault("token_stall", -1)
    quick = base_check[:]
    quick[quick.index("-t") + 1] = "8"
    del quick[quick.index("--state-file"):quick.index("--state-file") + 2]
    p = run(quick)
    si.clear_faults()
    check(p.returncode == 3 and si.token_url() in p.stdout and "no answer after" in p.stdout,
          "check_revocation -t 8 with the token endpoint stalled: UNKNOWN naming it (%s)"
          % p.stdout.splitlines()[0][:300] if p.stdout else p.stderr[-200:])

    # ---- 7. nothing logged holds a secret or a token ----
    blobs = LOGGED + [STATE_BYTES.decode("latin-1")]
    for name in os.listdir(TMP):
        if name.endswith(".state"):
            with open(os.path.join(TMP, name), "rb") as f:
                blobs.append(f.read().decode("latin-1"))
    needles = [si.secret] + si.issued
    leaked = [n[:12] + "..." for n in needles if any(n in b for b in blobs)]
    check(len(si.issued) > 5 and not leaked,
          "no secret or token in %d outputs and the state files (%d tokens issued; leaked: %s)"
          % (len(blobs), len(si.issued), leaked))
finally:
    si.stop()

if TALLY.failures:
    print("kept", TMP)
else:
    shutil.rmtree(TMP, ignore_errors=True)
sys.exit(TALLY.summary())
