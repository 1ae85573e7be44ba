#!/usr/bin/env python3
"""The eventhub source through the SASL front (saslfront.py, TLS with the
private CA, before librdkafka's mock cluster) beyond test_oauthbearer.py:

- SASL PLAIN, the Event Hubs way (the user $ConnectionString and a shared
  access policy's connection string from a private file), through revmon
  report: the records equal a file replay of the same bodies; a connection
  string of another key is refused by the front and named;
- a running collectd with a PLAIN block and an OAUTHBEARER block (tokens of
  the graph_* app from oidc-provider, provider.js): both read every record;
  the provider down leaves the OAUTHBEARER block down once its token is due
  (the log names the token endpoint) while the PLAIN block stays up; the
  provider back, the same daemon's block is up again (a token the endpoint
  could not give is not fatal);
- no connection string, client secret or token in any output or log.

usage: test_sasl_daemon.py REVMON MOCKHUB PROVIDER_NPM_DIR
                           [--plugin revmon.so --collectd D --collectdctl C [--preload ASAN]]
"""
import argparse
import glob
import os
import secrets
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "probe"))
sys.path.insert(0, os.path.join(HERE, "..", "collectd"))
from tally import Tally  # noqa: E402
from hub import MockHub  # noqa: E402
from report_doc import first_monitor, metric, simulated_bodies, source_error  # noqa: E402
from provider_rig import GRAPH_CLIENT_ID, Provider, issued_tokens, secret_file  # noqa: E402

ap = argparse.ArgumentParser()
for name in ("revmon", "mockhub", "npm_dir"):
    ap.add_argument(name)
for name in ("--plugin", "--collectd", "--collectdctl", "--preload"):
    ap.add_argument(name)
opts = ap.parse_args()
HAVE_COLLECTD = all(x and os.path.exists(x) for x in (opts.plugin, opts.collectd, opts.collectdctl))
TMP = tempfile.mkdtemp(prefix="revmon-eh-sasl-")
TALLY = Tally()
check = TALLY.check
LOGGED = []
AUDIENCE = "https://revmon-test.servicebus.windows.net"
TOKEN_TTL_S = 20      # librdkafka asks again at 80% of it
GRAPH_SECRET = "graph-" + secrets.token_hex(16)
SECRETS = {"CLIENT_SECRET": "client-" + secrets.token_hex(16), "GRAPH_SECRET": GRAPH_SECRET,
           "CANARY_PASSWORD": "pw-" + secrets.token_hex(16), "JWT_RESOURCES": AUDIENCE}
CONNECTION_STRING = ("Endpoint=sb://revmon-test.servicebus.windows.net/;SharedAccessKeyName=listen;"
                     "SharedAccessKey=" + secrets.token_urlsafe(32))
WRONG_CS = CONNECTION_STRING.rsplit("=", 1)[0] + "=" + secrets.token_urlsafe(32)
# one partition: the same order as the replay, so every figure is exact
EXACT = ("revocations", "revocations_admin", "revocations_inferred", "stale_presentations", "signins",
         "signins_interactive", "signin_failures", "signin_failures_revoked", "reauth_after_revocation",
         "events_ingested", "events_rejected", "revocation_lag_p50", "revocation_lag_p95",
         "revocation_lag_max", "stale_clients")


def run(args, timeout=300):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    LOGGED.extend((p.stdout, p.stderr))
    return p


def start_provider(port=0):
    return Provider(TMP, opts.npm_dir, dict(SECRETS, PORT=str(port)), os.path.join(TMP, "issued-tokens"),
                    at_ttl=TOKEN_TTL_S)


def start_front(pv, upstream, cs_file):
    """saslfront.py taking OAUTHBEARER tokens for AUDIENCE and PLAIN with cs_file."""
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "saslfront.py"), "--upstream", upstream,
                          "--cert", os.path.join(TMP, "server.pem"), "--key", os.path.join(TMP, "server.key"),
                          "--ca", pv.ca, "--jwks", pv.base + "/jwks", "--issuer", pv.base,
                          "--audience", AUDIENCE, "--log", os.path.join(TMP, "front.jsonl"),
                          "--plain-secret-file", cs_file], stdout=subprocess.PIPE, text=True)
    first = p.stdout.readline().split()
    assert first and first[0] == "bootstrap", first
    return p, first[1]


def fixtures():
    """Simulated bodies ending about now (each a message of the hub)."""
    path = os.path.join(TMP, "bodies.ndjson")
    return path, simulated_bodies(opts.revmon, path, 100)


def report(args, timeout_s=90):
    p = run([opts.revmon, "report", "--json", "--timeout", str(timeout_s)] + args, timeout=timeout_s + 60)
    return p, first_monitor(p.stdout)


def plain_args(bootstrap, ca, group, cs_file):
    return ["--source", "eventhub", "--set", "eventhub_bootstrap=" + bootstrap, "--set", "eventhub_topics=hub",
            "--set", "eventhub_group=" + group, "--set", "eventhub_connection_string_file=" + cs_file,
            "--set", "eventhub_rdkafka.ssl.ca.location=" + ca, "--set", "lag_window=30d"]


def plain_report(bootstrap, ca, ref, cs_file, wrong_file):
    """PLAIN through revmon report: the replay's figures; another key refused."""
    p, got = report(plain_args(bootstrap, ca, "plain", cs_file))
    check(p.returncode == 0 and metric(got, "source_up") == 1 and
          {k: metric(got, k) for k in EXACT} == {k: metric(ref, k) for k in EXACT},
          "PLAIN ($ConnectionString): the records = the file replay's (exit %d: %s)"
          % (p.returncode, source_error(got)[:200]))
    p, doc = report(plain_args(bootstrap, ca, "plain-wrong", wrong_file), timeout_s=30)
    err = source_error(doc)
    check(p.returncode == 1 and metric(doc, "source_up") == 0 and "SASL authentication failed" in err
          and "not one of this namespace's policies" in err and "connection string" in err,
          "PLAIN with another key: refused by the front, source down, named: %r" % err[:300])


def collectd_block(name, bootstrap, pv, keys):
    body = "".join('    %s "%s"\n' % kv for kv in [("EventhubBootstrap", bootstrap), ("EventhubTopics", "hub"),
                                                    ("EventhubGroup", name), ("LagWindow", "30d")] + keys)
    body += '    EventhubRdkafka "ssl.ca.location" "%s"\n' % pv.ca
    return '  <Source "%s">\n    Source "eventhub"\n    Interval 1\n%s  </Source>\n' % (name, body)


def last(d, block, name):
    """The newest value collectd wrote of one metric of a block, or None."""
    rows = []
    pat = os.path.join(d.csv, "testhost", "revmon-" + block,
                       "*-%s-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]" % glob.escape(name))
    for path in sorted(glob.glob(pat)):
        with open(path) as f:
            rows += [float(line.split(",")[1]) for line in f.read().splitlines()[1:]]
    return rows[-1] if rows else None


def collectd_run(pv, bootstrap, n, cs_file, graph_file):
    """One daemon, a PLAIN and an OAUTHBEARER block; the provider down and
    back under it. Returns the provider running at the end."""
    import collectd_daemon
    blocks = collectd_block("plain", bootstrap, pv, [("EventhubConnectionStringFile", cs_file)]) + \
        collectd_block("oauth", bootstrap, pv, [
            ("EventhubScope", AUDIENCE + "/.default"), ("GraphTenant", "contoso"),
            ("GraphClientId", GRAPH_CLIENT_ID), ("GraphClientSecretFile", graph_file),
            ("GraphAuthority", pv.base), ("GraphCaFile", pv.ca)])
    d = collectd_daemon.Daemon(os.path.join(TMP, "collectd"), opts.collectd, opts.collectdctl, opts.plugin,
                               blocks, preload=opts.preload)
    try:
        d.wait_socket()
        for b in ("plain", "oauth"):
            d.wait(b + ": every record", lambda: last(d, b, "events_ingested") == n, 120)
        check(last(d, "plain", "source_up") == 1 and last(d, "oauth", "source_up") == 1,
              "collectd: the PLAIN and the OAUTHBEARER block read every record (%d), both up" % n)
        port, mark = pv.port, len(d.log())
        pv.stop()
        d.wait("oauth down once its token is due", lambda: last(d, "oauth", "source_up") == 0, 4 * TOKEN_TTL_S)
        down = [x for x in d.log()[mark:].splitlines() if "source down" in x]
        check(bool(down) and "[oauth]" in down[0] and "token endpoint" in down[0],
              "collectd, the provider down: the OAUTHBEARER block down, its log line names the token "
              "endpoint: %s" % (down[0][-250:] if down else "(none)"))
        check(last(d, "plain", "source_up") == 1, "collectd: the PLAIN block stays up meanwhile")
        mark = len(d.log())
        pv = start_provider(port)
        d.wait("oauth up with the provider back", lambda: last(d, "oauth", "source_up") == 1, 4 * TOKEN_TTL_S)
        check("[oauth]" in d.log()[mark:] and "source up again" in d.log()[mark:],
              "collectd, the provider back: the same daemon's OAUTHBEARER block is up again")
        LOGGED.append(d.log())
        check(d.stop() == 0, "collectd: SIGTERM ends it with 0")
    except AssertionError as e:
        check(False, "collectd: " + str(e)[:3000])
    finally:
        if d.proc.poll() is None:
            d.stop()
        LOGGED.append(d.log())
    return pv


def main():
    bodies, n = fixtures()
    cs_file = secret_file(TMP, "hub.cs", CONNECTION_STRING)
    wrong_file = secret_file(TMP, "wrong.cs", WRONG_CS)
    graph_file = secret_file(TMP, "graph.secret", GRAPH_SECRET)
    pv = start_provider()
    hub = MockHub(opts.mockhub, "hub:1")
    front, bootstrap = start_front(pv, hub.bootstrap, cs_file)
    print("mock cluster %s behind the SASL front %s; provider %s; %d records"
          % (hub.bootstrap, bootstrap, pv.base, n))
    try:
        hub.do("produce hub " + bodies)
        p, ref = report(["--source", "file:" + bodies, "--set", "lag_window=30d"])
        check(p.returncode == 0 and metric(ref, "events_ingested") == n, "file replay of the bodies (%d)" % n)
        plain_report(bootstrap, pv.ca, ref, cs_file, wrong_file)
        if HAVE_COLLECTD:
            pv = collectd_run(pv, bootstrap, n, cs_file, graph_file)
        else:
            print("collectd or the plugin is not here: the running daemon's part is left out")
        with open(os.path.join(TMP, "front.jsonl")) as f:
            LOGGED.append(f.read())
        leaks = [s for s in [CONNECTION_STRING, WRONG_CS, GRAPH_SECRET, "SharedAccessKey="]
                 + issued_tokens(os.path.join(TMP, "issued-tokens")) if any(s in w for w in LOGGED)]
        check(not leaks, "no connection string, client secret or token in any output, the daemon's "
              "log or the front's (%d found)" % len(leaks))
    finally:
        front.kill()
        front.wait()
        hub.stop()
        pv.stop()
    return TALLY.summary()


if __name__ == "__main__":
    sys.exit(main())
