#!/usr/bin/env python3
"""End-to-end tests of revmon's probe source (the revocation drill) against
a real OAuth 2.0 provider: panva's oidc-provider on loopback HTTPS
(provider.js), in its generic and Entra-like shapes.

usage: test_probe.py REVMON CHECK_REVOCATION NODE_MODULES_PARENT
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import provider_rig

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tally import Tally  # noqa: E402

REVMON, CHECK, MODDIR = sys.argv[1], sys.argv[2], sys.argv[3]
TMP = tempfile.mkdtemp(prefix="revmon-probe-")
LOGGED = []
TALLY = Tally()
check = TALLY.check
SECRETS = {"CLIENT_SECRET": "cs-Xq81-client", "GRAPH_SECRET": "gs-Lp27-graph",
           "CANARY_PASSWORD": "pw-Zr93-canary"}
TOKENS = os.path.join(TMP, "tokens.txt")
FILES = {}


def Provider(delay_ms=0, at_ttl=3600):
    return provider_rig.Provider(TMP, MODDIR, SECRETS, TOKENS, delay_ms=delay_ms, at_ttl=at_ttl)


def run(args, env=None, timeout=120):
    e = dict(os.environ)
    e.pop("REVMON_STATE_DIR", None)
    e.update(env or {})
    t0 = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True, env=e, timeout=timeout)
    p.elapsed = time.monotonic() - t0
    LOGGED.append(p.stdout)
    LOGGED.append(p.stderr)
    return p


def generic(pv, *extra):
    return provider_rig.oauth_keys(pv, FILES, *extra)


def entra(pv, *extra):
    return provider_rig.entra_keys(pv, FILES, *extra)


def report(sets):
    args = [REVMON, "report", "--json", "--timeout", "90", "--source", "probe"]
    for s in sets:
        args += ["--set", s]
    p = run(args)
    doc = None
    try:
        doc = json.loads(p.stdout)["monitors"][0]
    except (ValueError, KeyError, IndexError):
        pass
    return p, doc


def metric(doc, name):
    return doc["metrics"][name]["value"] if doc else None


def lag_ok(v, delay, poll=1.0):
    return v is not None and delay - 0.05 <= v <= delay + poll + 0.6


def perf(out, name):
    """A metric's value in the check's performance data; None when U."""
    m = re.search(r"\b%s=([0-9.]+|U)" % name, out)
    return None if not m or m.group(1) == "U" else float(m.group(1))


def check_args(pv, state, timeout, *extra):
    args = [CHECK, "--state-file", state, "-t", str(timeout), "--source", "probe"]
    for s in generic(pv, "probe_resource_url=" + pv.base + "/resource", "probe_interval=1h", *extra):
        args += ["--set", s]
    return args


def refused_before_revocation():
    """10. A resource or token endpoint that refuses the canary's tokens
    before anything is revoked (another scope, a refresh the client may not
    do): the drill fails with that reason instead of reporting a lag it
    never measured, and revokes nothing."""
    pv = Provider(delay_ms=1000)
    try:
        pv.refuse("/resource")
        p, doc = report(generic(pv, "probe_resource_url=" + pv.base + "/resource"))
        err = (doc["sources"][0].get("error") if doc else None) or p.stderr[-300:]
        revokes = sum(1 for x in pv.log() if x["path"] == "/token/revocation")
        check(metric(doc, "probe_access_lag") is None and metric(doc, "probe_refresh_lag") is None
              and metric(doc, "probe_failures") == 1,
              "resource refusing from the start: no lag, a failure (access lag %s, failures %s)"
              % (metric(doc, "probe_access_lag"), metric(doc, "probe_failures")))
        check("access token" in err and "before the revocation" in err,
              "resource refusing from the start: the reason says so (%s)" % err)
        check(revokes == 0, "resource refusing from the start: nothing revoked (%d revocations)" % revokes)
        pv.refuse("/contoso/oauth2/v2.0/token", "refresh_token")
        p = run([CHECK, "--no-state", "-t", "30", "--source", "probe"]
                + [a for s in entra(pv) for a in ("--set", s)])
        revokes = sum(1 for x in pv.log() if x["path"].endswith("/revokeSignInSessions"))
        check(p.returncode == 2 and perf(p.stdout, "probe_refresh_lag") is None
              and perf(p.stdout, "probe_failures") == 1,
              "refresh refused from the start: CRITICAL, no lag, a failure (exit %d: %s)"
              % (p.returncode, p.stdout[:300]))
        check("refresh token" in p.stdout and "before the revocation" in p.stdout and revokes == 0,
              "refresh refused from the start: the check says why, nothing revoked (%d)" % revokes)
    finally:
        pv.stop()


def drill_across_checks():
    """11. A drill longer than the check's -t: each run (-t 3) carries it on
    from the state file and the run that sees both refusals reports the
    lags; one revocation in all. A drill that never sees its refusals fails
    visibly in a later run (counted, the source down), never forgotten."""
    pv = Provider(delay_ms=6000)
    try:
        state = os.path.join(TMP, "carry.state")
        args = check_args(pv, state, 3)
        runs, mode = [], None
        for _ in range(12):
            runs.append(run(args))
            if len(runs) == 1 and os.path.exists(state):
                with open(state, "rb") as f:
                    LOGGED.append(f.read().decode("latin-1"))
                mode = os.stat(state).st_mode & 0o777
            if perf(runs[-1].stdout, "probe_access_lag") is not None:
                break
            time.sleep(0.5)
        last = runs[-1].stdout
        a, r = perf(last, "probe_access_lag"), perf(last, "probe_refresh_lag")
        revokes = sum(1 for x in pv.log() if x["path"] == "/token/revocation")
        print("     across checks: %d runs (exits %s), access lag %s, refresh lag %s"
              % (len(runs), [x.returncode for x in runs], a, r))
        check(len(runs) >= 3 and a is not None and 6.0 - 0.05 <= a <= 6.0 + 4.0
              and r is not None and 6.0 - 0.05 <= r <= 6.0 + 4.0,
              "a 6 s drill through checks with -t 3: lags measured (%s, %s; %s)" % (a, r, last[:200]))
        check(revokes == 1, "across checks: one drill, one revocation (%d)" % revokes)
        check(all(x.returncode != 0 and " OK " not in x.stdout.split("|")[0] for x in runs[:-1]),
              "across checks: no run says OK while the drill is under way (%s)"
              % [x.stdout.split("|")[0] for x in runs[:-1]])
        check(runs[-1].returncode == 0 and perf(last, "probe_failures") == 0,
              "across checks: the run that completes it is OK, no failure (%s)" % last[:200])
        check(mode == 0o600, "across checks: the state file is private (%o)" % mode)
    finally:
        pv.stop()
    # The carried tokens are sealed under the source's own secrets: with
    # the canary's password changed between runs they cannot be read back,
    # and the drill fails visibly instead of vanishing.
    pv = Provider(delay_ms=6000)
    try:
        state = os.path.join(TMP, "carry-sealed.state")
        args = check_args(pv, state, 3)
        p1 = run(args)
        provider_rig.secret_file(TMP, "canary.password", "pw-another-one")
        p2 = run(args)
        check(p1.returncode == 3 and p2.returncode == 2 and "could not be unsealed" in p2.stdout
              and perf(p2.stdout, "probe_failures") == 1,
              "carried tokens unreadable (a secret changed): the drill fails visibly (%s)"
              % p2.stdout[:250])
    finally:
        provider_rig.secret_file(TMP, "canary.password", SECRETS["CANARY_PASSWORD"])
        pv.stop()
    pv = Provider(delay_ms=60000)
    try:
        state = os.path.join(TMP, "carry-fail.state")
        args = check_args(pv, state, 3, "probe_max_wait=4")
        runs = []
        for _ in range(8):
            runs.append(run(args))
            if perf(runs[-1].stdout, "probe_failures"):
                break
            time.sleep(0.5)
        runs.append(run(args))
        fails = [perf(x.stdout, "probe_failures") for x in runs]
        check(fails[-2] == 1 and "probe_max_wait" in runs[-2].stdout and runs[-2].returncode == 2,
              "a drill cut short by -t that never ends: it fails visibly in a later run (%s; %s)"
              % (fails, runs[-2].stdout[:200]))
        check(runs[-1].returncode == 2 and fails[-1] == 1,
              "and the next run still says the source is down (%s)" % runs[-1].stdout[:200])
    finally:
        pv.stop()


def main():
    FILES["client"] = provider_rig.secret_file(TMP, "client.secret", SECRETS["CLIENT_SECRET"])
    FILES["password"] = provider_rig.secret_file(TMP, "canary.password", SECRETS["CANARY_PASSWORD"])
    FILES["graph"] = provider_rig.secret_file(TMP, "graph.secret", SECRETS["GRAPH_SECRET"])
    PASSWORD = FILES["password"]
    if os.environ.get("PROBE_ONLY") == "new":  # for development: the newest sections only
        refused_before_revocation()
        drill_across_checks()
        sys.exit(TALLY.summary())

    # 1. CAE-style resource, opaque tokens, RFC 7009 with a 3 s propagation delay.
    pv = Provider(delay_ms=3000)
    try:
        p, doc = report(generic(pv, "probe_resource_url=" + pv.base + "/resource"))
        a, r = metric(doc, "probe_access_lag"), metric(doc, "probe_refresh_lag")
        check(p.returncode == 0 and doc is not None, "generic drill runs (exit %d: %s)" % (p.returncode, p.stderr[-300:]))
        check(lag_ok(a, 3.0), "CAE resource: access lag %s within 3..4 s" % a)
        check(lag_ok(r, 3.0), "refresh lag %s within 3..4 s" % r)
        check(metric(doc, "probe_age") is not None and metric(doc, "probe_age") < 5, "probe_age known after a drill")
        check(metric(doc, "probe_failures") == 0, "no failure counted")
        check("CAE claims challenge" in p.stderr and "resolution" in p.stderr and "poll period 1.000 s" in p.stderr,
              "the report names the CAE challenge and the resolution")
    finally:
        pv.stop()

    # 2. Opaque tokens polled by introspection only (RFC 7662), 2 s delay.
    pv = Provider(delay_ms=2000)
    try:
        p, doc = report(generic(pv, "probe_introspection_url=" + pv.base + "/token/introspection"))
        a, r = metric(doc, "probe_access_lag"), metric(doc, "probe_refresh_lag")
        check(lag_ok(a, 2.0), "introspection: access lag %s within 2..3 s" % a)
        check(lag_ok(r, 2.0), "introspection: refresh lag %s within 2..3 s" % r)
        n = sum(1 for x in pv.log() if x["path"] == "/token/introspection")
        check(n >= 2, "introspection was polled (%d times)" % n)
    finally:
        pv.stop()

    # 3. Plain-style resource with JWT access tokens: refused only at expiry.
    pv = Provider(delay_ms=1000, at_ttl=600)
    try:
        p, doc = report(generic(pv, "probe_resource_url=" + pv.base + "/resource-plain",
                                "probe_resource=https://api.example/jwt", "probe_cae=no"))
        check(p.returncode == 0 and p.elapsed < 20, "non-CAE drill ends without waiting for expiry (%.1f s)" % p.elapsed)
        check(metric(doc, "probe_access_lag") is None, "non-CAE: access lag unknown")
        check(lag_ok(metric(doc, "probe_refresh_lag"), 1.0), "non-CAE: refresh lag %s" % metric(doc, "probe_refresh_lag"))
        m = re.search(r"not refused before expiry.*remaining lifetime (\d+) s", p.stderr)
        check(m is not None and 590 <= int(m.group(1)) <= 600, "non-CAE: remaining lifetime reported (%s)" % (m.group(1) if m else p.stderr[-300:]))
    finally:
        pv.stop()

    # 4. probe_max_wait ends a drill that never sees the refusal.
    pv = Provider(delay_ms=60000)
    try:
        p, doc = report(generic(pv, "probe_resource_url=" + pv.base + "/resource", "probe_max_wait=3"))
        check(p.elapsed < 20, "max wait: the drill ends (%.1f s)" % p.elapsed)
        check(metric(doc, "probe_failures") == 1, "max wait: failure counted")
        check(metric(doc, "probe_access_lag") is None and metric(doc, "probe_refresh_lag") is None,
              "max wait: lags unknown, not a wrong number")
        src = doc["sources"][0] if doc else {}
        check("probe_max_wait" in (src.get("error") or "") and "probe_max_wait" in p.stderr,
              "max wait: clear reason (%s)" % src.get("error"))
    finally:
        pv.stop()

    # 5. Wrong canary password, revoke refused, provider down: clear errors.
    pv = Provider()
    try:
        bad = provider_rig.secret_file(TMP, "bad.password", "nope")
        p, doc = report(generic(pv, "probe_resource_url=" + pv.base + "/resource").__add__([])
                        [:4] + ["probe_password_file=" + bad] +
                        generic(pv, "probe_resource_url=" + pv.base + "/resource")[5:])
        err = doc["sources"][0].get("error") if doc else ""
        check("sign-in of the canary refused" in (err or "") and metric(doc, "probe_failures") == 1
              and metric(doc, "probe_access_lag") is None, "wrong password: clear error (%s)" % err)
        p, doc = report(generic(pv, "probe_resource_url=" + pv.base + "/resource",
                                "probe_revocation_url=" + pv.base + "/nothing-here"))
        err = doc["sources"][0].get("error") if doc else ""
        check("revocation" in (err or "") and metric(doc, "probe_access_lag") is None,
              "revoke refused: clear error (%s)" % err)
        os.chmod(PASSWORD, 0o644)
        p, doc = report(generic(pv, "probe_resource_url=" + pv.base + "/resource"))
        check(p.returncode != 0 and "permissions" in p.stderr, "password file readable by others refused")
        os.chmod(PASSWORD, 0o600)
    finally:
        pv.stop()
    p, doc = report(generic(pv, "probe_resource_url=" + pv.base + "/resource"))
    err = doc["sources"][0].get("error") if doc else p.stderr
    check(doc is not None and "token endpoint" in (err or "") and metric(doc, "probe_access_lag") is None,
          "provider down: clear error (%s)" % err)

    # 6. Entra flavour against the Entra-like paths: cp1, revokeSignInSessions,
    #    the CAE challenge from /v1.0/me, AADSTS50173.
    pv = Provider(delay_ms=2000)
    try:
        p, doc = report(entra(pv))
        a, r = metric(doc, "probe_access_lag"), metric(doc, "probe_refresh_lag")
        check(lag_ok(a, 2.0), "entra: access lag %s within 2..3 s (%s)" % (a, p.stderr[-300:]))
        check(lag_ok(r, 2.0), "entra: refresh lag %s within 2..3 s" % r)
        check("CAE claims challenge" in p.stderr and "AADSTS50173" in p.stderr,
              "entra: CAE challenge recognised and 50173 named")
        paths = [x["path"] for x in pv.log()]
        check(any(x.endswith("/revokeSignInSessions") for x in paths) and "/v1.0/me" in paths,
              "entra: revoked with Graph and polled /me")
        # the non-CAE regime: no cp1, /me accepts the token until expiry
        p, doc = report(entra(pv, "probe_cae=no"))
        check(metric(doc, "probe_access_lag") is None and "remaining lifetime" in p.stderr
              and p.elapsed < 20, "entra non-CAE: remaining lifetime reported")
    finally:
        pv.stop()

    # 7. Scheduling with a state file (the Nagios check): drills never
    #    overlap, the next one waits for probe_interval, probe_age grows.
    pv = Provider(delay_ms=1000)
    try:
        state = os.path.join(TMP, "check.state")
        args = [CHECK, "--state-file", state, "-t", "60", "--source", "probe"]
        for s in generic(pv, "probe_resource_url=" + pv.base + "/resource", "probe_interval=1h"):
            args += ["--set", s]
        p1 = run(args)
        time.sleep(1.5)
        p2 = run(args)
        ages = [re.search(r"probe_age=([0-9.]+)", x.stdout) for x in (p1, p2)]
        grants = sum(1 for x in pv.log() if x["path"] == "/token" and x["method"] == "POST")
        revokes = sum(1 for x in pv.log() if x["path"] == "/token/revocation")
        check(revokes == 1, "one drill in two checks within probe_interval (%d revocations)" % revokes)
        check(all(ages) and float(ages[1].group(1)) > float(ages[0].group(1)),
              "probe_age grows between checks (%s)" % [a.group(1) if a else None for a in ages])
        check(grants >= 2, "the drill polled the token endpoint")
        with open(state, "rb") as f:
            LOGGED.append(f.read().decode("latin-1"))
    finally:
        pv.stop()

    # 8. A resource that asks for a pause while the drill polls: Retry-After
    #    honoured (fractional seconds), else back-off from 5 s, doubling; the
    #    lags are still measured, with the wider resolution they then have.
    for status, retry_after, delay, want in ((429, "2.5", 7.0, (2.5, 2.5)), (503, None, 16.0, (5.0, 10.0))):
        pv = Provider(delay_ms=int(delay * 1000))
        try:
            pv.pushback("/resource", 2, status, retry_after)
            p, doc = report(generic(pv, "probe_resource_url=" + pv.base + "/resource"))
            times = [x["t"] for x in pv.log() if x["path"] == "/resource"]
            gaps = [round((b - a) / 1000.0, 2) for a, b in zip(times, times[1:])]
            check(len(gaps) >= 3 and all(w - 0.05 <= g <= w + 0.8 for g, w in zip(gaps, want))
                  and gaps[2] <= 1.6, "HTTP %d%s: polls paused %s s, then every 1 s (gaps %s)"
                  % (status, " with Retry-After " + retry_after if retry_after else ", no Retry-After",
                     list(want), gaps[:5]))
            a = metric(doc, "probe_access_lag")
            check(lag_ok(a, delay), "HTTP %d: access lag %s within %s..%s s" % (status, a, delay, delay + 1.6))
            check("the server asks for a pause; next poll in %.3f s" % want[0] in p.stderr,
                  "HTTP %d: the pause is logged" % status)
            if status == 429:
                check(metric(doc, "source_throttled") == 2, "429s counted as throttled (%s)"
                      % metric(doc, "source_throttled"))
        finally:
            pv.stop()

    # 9. A slow resource (2.5 s per answer, longer than a poll's budget and
    #    the poll period): its requests run on across polls, the refresh
    #    token is still polled every second on its own, and both lags are
    #    measured (the access lag with the resolution the slow answers give).
    pv = Provider(delay_ms=4000)
    try:
        pv.slow("/resource", 2500)
        p, doc = report(generic(pv, "probe_resource_url=" + pv.base + "/resource"))
        a, r = metric(doc, "probe_access_lag"), metric(doc, "probe_refresh_lag")
        log = pv.log()
        revoked = [x["t"] for x in log if x["path"] == "/token/revocation"]
        polls = [x["t"] for x in log if x["path"] == "/token" and revoked and x["t"] > revoked[0]]
        gaps = [round((b - a) / 1000.0, 2) for a, b in zip(polls, polls[1:])]
        res = [x["t"] for x in log if x["path"] == "/resource"]
        print("     slow resource: access lag %s, refresh lag %s, %d resource polls, token polls %s s apart"
              % (a, r, len(res), gaps))
        check(a is not None and 4.0 - 2.6 <= a <= 4.0 + 2.5 + 1.6,
              "slow resource: the access lag is measured (%s s for a 4 s propagation; %s)"
              % (a, (doc or {}).get("sources", [{}])[0].get("error") or p.stderr[-200:]))
        check(lag_ok(r, 4.0), "slow resource: refresh lag %s within 4..5.6 s" % r)
        check(len(gaps) >= 2 and max(gaps) <= 1.6,
              "slow resource: the refresh token is polled every second regardless (gaps %s)" % gaps)
        check(metric(doc, "source_errors") == 0, "slow resource: no failure counted (%s)"
              % metric(doc, "source_errors"))
    finally:
        pv.stop()

    refused_before_revocation()
    drill_across_checks()

    # No secret or token in anything revmon wrote.
    everything = "\n".join(LOGGED)
    leaks = [k for k, v in SECRETS.items() if v in everything]
    toks = provider_rig.issued_tokens(TOKENS)
    leaks += ["a token" for t in toks if t in everything][:1]
    check(len(toks) > 10 and not leaks, "no secret or token in any output or state file (%d tokens checked; %s)" % (len(toks), leaks))

    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(TALLY.summary())


if __name__ == "__main__":
    main()
