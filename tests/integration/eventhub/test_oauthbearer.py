#!/usr/bin/env python3
"""The eventhub source signing in with SASL OAUTHBEARER, end to end: a real
OAuth 2.0 provider on loopback HTTPS (provider.js: client credentials of
the graph_* app, JWT access tokens for the namespace's audience), a SASL
front (saslfront.py: TLS with the private CA, the token checked against
the provider's JWKS) before librdkafka's mock cluster (mockhub).

Through revmon report: the records equal a file replay of the same bodies,
the token renewed while the run goes on (tokens of 20 s; the front gives no
records until three distinct tokens have signed in), each token the front
saw one the provider issued; check_revocation once (OK, with perfdata); a
wrong client secret (the provider refuses) and a token for another audience
(the front refuses) leave the source down, each naming its cause; the
provider down leaves the source down, and its return brings it up with the
same state file. No secret or token in stdout, stderr or a state file.

usage: test_oauthbearer.py REVMON CHECK_REVOCATION MOCKHUB PROVIDER_NPM_DIR
"""
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "probe"))
from tally import Tally  # noqa: E402
from hub import MockHub  # noqa: E402
from report_doc import counts as doc_counts, first_monitor, metric, simulated_bodies, source_error  # noqa: E402
from provider_rig import GRAPH_CLIENT_ID, Provider, issued_tokens, secret_file  # noqa: E402

REVMON, CHECK, MOCKHUB, NPM_DIR = sys.argv[1:5]
TMP = tempfile.mkdtemp(prefix="revmon-eh-oauth-")
TALLY = Tally()
check = TALLY.check
LOGGED = []
AUDIENCE = "https://revmon-test.servicebus.windows.net"
OTHER_AUDIENCE = "https://another-namespace.servicebus.windows.net"
TOKEN_TTL_S = 20      # librdkafka asks again at 80% of it
TOKENS_BEFORE_DATA = 3
GRAPH_SECRET = "graph-" + secrets.token_hex(16)
WRONG_SECRET = "wrong-" + secrets.token_hex(16)
SECRETS = {"CLIENT_SECRET": "client-" + secrets.token_hex(16), "GRAPH_SECRET": GRAPH_SECRET,
           "CANARY_PASSWORD": "pw-" + secrets.token_hex(16),
           "JWT_RESOURCES": AUDIENCE + "," + OTHER_AUDIENCE}
TOKENS_FILE = os.path.join(TMP, "issued-tokens")
# Counters must match a replay of the same bodies exactly (one partition:
# the same order), lags and families likewise.
EXACT = ("revocations", "revocations_admin", "revocations_password", "revocations_disable",
         "revocations_mfa", "revocations_risk", "revocations_inferred", "stale_presentations",
         "signins", "signins_interactive", "signin_failures", "signin_failures_revoked",
         "reauth_after_revocation", "events_ingested", "events_rejected", "events_ignored",
         "revocation_lag_p50", "revocation_lag_p95", "revocation_lag_max", "stale_clients")


def run(args, timeout=300):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    LOGGED.extend((p.stdout, p.stderr))
    return p


def start_provider(port=0):
    return Provider(TMP, NPM_DIR, dict(SECRETS, PORT=str(port)), TOKENS_FILE, at_ttl=TOKEN_TTL_S)


class Front:
    """saslfront.py before the mock cluster, checking tokens for AUDIENCE."""

    def __init__(self, pv, upstream, name, *options):
        self.log = os.path.join(TMP, name + ".jsonl")
        self.p = subprocess.Popen([sys.executable, os.path.join(HERE, "saslfront.py"), "--upstream", upstream,
                                   "--cert", os.path.join(TMP, "server.pem"), "--key", os.path.join(TMP, "server.key"),
                                   "--ca", pv.ca, "--jwks", pv.base + "/jwks", "--issuer", pv.base,
                                   "--audience", AUDIENCE, "--log", self.log, *options],
                                  stdout=subprocess.PIPE, text=True)
        first = self.p.stdout.readline().split()
        assert first and first[0] == "bootstrap", first
        self.bootstrap = first[1]

    def events(self, kind):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [e for e in map(json.loads, f) if e["event"] == kind]

    def stop(self):
        self.p.kill()
        self.p.wait()


def hub_args(pv, bootstrap, group, secret_path, *sets):
    """OAUTHBEARER through the front: the graph_* app against pv."""
    args = ["--source", "eventhub", "--set", "eventhub_bootstrap=" + bootstrap,
            "--set", "eventhub_topics=hub", "--set", "eventhub_group=" + group,
            "--set", "eventhub_scope=" + AUDIENCE + "/.default",
            "--set", "eventhub_rdkafka.ssl.ca.location=" + pv.ca,
            # the front closes a session every few seconds: reconnect at once
            "--set", "eventhub_rdkafka.reconnect.backoff.max.ms=200",
            "--set", "graph_tenant=contoso", "--set", "graph_client_id=" + GRAPH_CLIENT_ID,
            "--set", "graph_client_secret_file=" + secret_path, "--set", "graph_authority=" + pv.base,
            "--set", "graph_ca_file=" + pv.ca, "--set", "lag_window=30d"]
    for s in sets:
        args += ["--set", s]
    return args


def report(args, timeout_s=150, state=None):
    extra = ["--state-file", state] if state else []
    p = run([REVMON, "report", "--json", "--timeout", str(timeout_s)] + extra + args, timeout=timeout_s + 60)
    return p, first_monitor(p.stdout)


def counts(doc):
    return doc_counts(doc, EXACT)


def fixtures():
    """Simulated bodies ending about now (each a message of the hub)."""
    path = os.path.join(TMP, "bodies.ndjson")
    # librdkafka's mock keeps at most 5 MB a partition: this is 3 or so
    return path, simulated_bodies(REVMON, path, 100)


def refreshed_run(pv, front, secret_path, ref):
    """Section 1: live = replay, the token renewed during the run (the
    front ends sessions after 4 s, and holds the records until the third
    token has signed in)."""
    st = os.path.join(TMP, "live.state")
    p, got = report(hub_args(pv, front.bootstrap, "live", secret_path), state=st)
    check(p.returncode == 0 and got is not None,
          "OAUTHBEARER through the front: the run ends (exit %d: %s)" % (p.returncode, p.stderr.strip()[-300:]))
    check(counts(got) == counts(ref), "records, counters, lags, families = the file replay's:\n  %s\n  %s"
          % (counts(got), counts(ref)))
    check(metric(got, "source_up") == 1 and metric(got, "source_backlog") == 0,
          "source up and caught up (%s, backlog %s)" % (metric(got, "source_up"), metric(got, "source_backlog")))
    oks = front.events("auth_ok")
    distinct = list(dict.fromkeys(e["token_sha256"] for e in oks))
    print("  %d authentications, %d distinct tokens, over %.1f s" % (len(oks), len(distinct),
                                                                   oks[-1]["t"] - oks[0]["t"] if oks else 0))
    check(len(distinct) >= TOKENS_BEFORE_DATA,
          "the token was renewed during the run: %d distinct tokens signed in" % len(distinct))
    issued = {hashlib.sha256(t.encode()).hexdigest() for t in issued_tokens(TOKENS_FILE)}
    check(distinct and set(distinct) <= issued, "each token the front saw is one the provider issued")
    asked = [r for r in pv.log() if r["method"] == "POST" and r["path"].endswith("/oauth2/v2.0/token")]
    check(len(asked) >= len(distinct), "the provider's token endpoint was asked %d times" % len(asked))
    check(not front.events("auth_failed"), "no token was refused (none presented after it expired)")


def check_once(pv, front, secret_path, n):
    """Section 2: check_revocation through the same source."""
    # thresholds above the simulated tenant's own lags and stuck clients:
    # the subject here is the source, OK when it is up and read
    p = run([CHECK, "-t", "60", "--state-file", os.path.join(TMP, "check.state"),
             "-w", "lag_p95=86400", "-c", "lag_p95=86400", "-w", "stale_clients=1000",
             "-c", "stale_clients=1000"]
            + hub_args(pv, front.bootstrap, "check", secret_path))
    perf = dict(re.findall(r"'?([a-z0-9_]+)'?=([0-9.]+)", p.stdout.split("|", 1)[-1]))
    check(p.returncode == 0 and p.stdout.startswith("REVOCATION OK") and
          int(float(perf.get("events_ingested", "-1"))) == n and perf.get("source_up") == "1",
          "check_revocation: OK with perfdata (%d: %s)" % (p.returncode, p.stdout[:200]))


def refused(pv, front, secret_path):
    """Section 3: the provider refuses the client; the front refuses the token."""
    wrong = secret_file(TMP, "wrong-secret", WRONG_SECRET)
    p, doc = report(hub_args(pv, front.bootstrap, "wrong-secret", wrong), timeout_s=30)
    err = source_error(doc)
    check(p.returncode == 1 and metric(doc, "source_up") == 0 and "AADSTS7000215" in err and
          "OAUTHBEARER" in err, "a wrong client secret: source down, the provider's refusal named: %r" % err[:300])
    before = len(front.events("auth_failed"))
    p, doc = report(hub_args(pv, front.bootstrap, "other-aud", secret_path,
                             "eventhub_scope=" + OTHER_AUDIENCE + "/.default"), timeout_s=30)
    err = source_error(doc)
    check(p.returncode == 1 and metric(doc, "source_up") == 0 and "SASL authentication failed" in err and
          "audience" in err, "a token for another audience: source down, the broker's reason named: %r" % err[:300])
    check(len(front.events("auth_failed")) > before, "the front refused it (SASL_AUTHENTICATION_FAILED)")


def provider_down_up(pv, front, secret_path, n):
    """Section 4: the provider down, then back on the same address."""
    port = pv.port
    pv.stop()
    st = os.path.join(TMP, "down-up.state")
    p, doc = report(hub_args(pv, front.bootstrap, "down-up", secret_path), timeout_s=30, state=st)
    err = source_error(doc)
    check(p.returncode == 1 and metric(doc, "source_up") == 0 and "token endpoint" in err,
          "the provider down: source down, the token endpoint named: %r" % err[:300])
    pv = start_provider(port)
    p, doc = report(hub_args(pv, front.bootstrap, "down-up", secret_path), state=st)
    check(p.returncode == 0 and metric(doc, "source_up") == 1 and metric(doc, "events_ingested") == n,
          "the provider back: source up, the same state read to the head (%s of %d)"
          % (metric(doc, "events_ingested"), n))
    return pv


def metadata_requests(front):
    """What the consumer's Metadata requests said (the mock broker makes
    a topic that a request with AllowAutoTopicCreation asked for)."""
    seen = Counter((e["api_version"], str(e["allow_auto_topic_creation"]))
                   for e in front.events("request") if e["api_key"] == 3)
    offered = {tuple(e.get("api_3", ())) for e in front.events("broker_api_versions")}
    print("  Metadata requests (version, AllowAutoTopicCreation): %s; the mock offers Metadata %s"
          % (dict(seen), offered))
    check(seen, "the consumer's Metadata requests were seen by the front")


def leaks(state_dir):
    tokens = issued_tokens(TOKENS_FILE)
    blobs = [open(os.path.join(state_dir, f), "rb").read() for f in os.listdir(state_dir) if f.endswith(".state")]
    check(tokens and not any(t in s for t in tokens for s in LOGGED),
          "no token in stdout or stderr (%d tokens issued)" % len(tokens))
    check(blobs and not any(t.encode() in b for t in tokens for b in blobs), "no token in a state file")
    check(not any(x in s for x in (GRAPH_SECRET, WRONG_SECRET) for s in LOGGED) and
          not any(x.encode() in b for x in (GRAPH_SECRET, WRONG_SECRET) for b in blobs),
          "no client secret in stdout, stderr or a state file")


def main():
    bodies, n = fixtures()
    pv = start_provider()
    hub = MockHub(MOCKHUB, "hub:1")
    front = None
    try:
        hub.do("produce hub " + bodies)
        front = Front(pv, hub.bootstrap, "renewing", "--max-session-ms", "4000",
                      "--hold-fetch-tokens", str(TOKENS_BEFORE_DATA))
        secret_path = secret_file(TMP, "graph-secret", GRAPH_SECRET)
        p, ref = report(["--source", "file:" + bodies, "--set", "lag_window=30d"])
        check(p.returncode == 0 and metric(ref, "events_ingested") == n, "file replay of the bodies (%d records)" % n)
        refreshed_run(pv, front, secret_path, ref)
        front.stop()
        # the other sections: sessions as long as the client keeps them
        front = Front(pv, hub.bootstrap, "front")
        check_once(pv, front, secret_path, n)
        refused(pv, front, secret_path)
        pv = provider_down_up(pv, front, secret_path, n)
        metadata_requests(front)
        leaks(TMP)
    finally:
        if front:
            front.stop()
        hub.stop()
        pv.stop()
    return TALLY.summary()


if __name__ == "__main__":
    sys.exit(main())
