"""The OAuth 2.0 provider of the probe tests (provider.js: panva's
oidc-provider on loopback HTTPS, generic and Entra-like paths), its
throw-away PKI and the private secret files the drill reads. Shared by
test_probe.py and the hardening secrets test; nothing runs at import."""
import json
import os
import shutil
import ssl
import subprocess
import sys
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "graph"))
from standin import make_pki  # noqa: E402

CANARY = "canary@contoso.example"
CLIENT_ID = "canary-client"
GRAPH_CLIENT_ID = "graph-app"


def secret_file(directory, name, value):
    """A file holding value, readable by its owner only; returns its path."""
    p = os.path.join(directory, name)
    with open(p, "w") as f:
        f.write(value + "\n")
    os.chmod(p, 0o600)
    return p


class Provider:
    """provider.js listening on 127.0.0.1 (port chosen by the kernel).

    workdir holds the PKI (made on first use: ca.pem, server.pem/.key) and
    provider.err; every token value the provider issues is appended to
    tokens_file. secrets: CLIENT_SECRET, GRAPH_SECRET, CANARY_PASSWORD."""

    def __init__(self, workdir, moddir, secrets, tokens_file, delay_ms=0, at_ttl=3600):
        self.dir = workdir
        self.ca = os.path.join(workdir, "ca.pem")
        if not os.path.exists(self.ca):
            make_pki(workdir)
        env = dict(os.environ, CERT=os.path.join(workdir, "server.pem"),
                   KEY=os.path.join(workdir, "server.key"), CA=self.ca,
                   REVOKE_DELAY_MS=str(delay_ms), AT_TTL=str(at_ttl), TOKENS_FILE=tokens_file,
                   NODE_PATH=os.path.join(moddir, "node_modules"), **secrets)
        # provider.js imports oidc-provider: run it from where node_modules is
        script = os.path.join(moddir, "provider.js")
        if os.path.abspath(moddir) != HERE:
            shutil.copy(os.path.join(HERE, "provider.js"), script)
            shutil.copy(os.path.join(HERE, "package.json"), os.path.join(moddir, "package.json"))
        self.err = open(os.path.join(workdir, "provider.err"), "a")
        self.p = subprocess.Popen(["node", script], stdout=subprocess.PIPE, stderr=self.err,
                                  env=env, text=True)
        line = self.p.stdout.readline()
        if not line:
            self.p.wait()
            self.err.close()
            raise RuntimeError("provider.js exited (%s) before listening; see %s/provider.err"
                               % (self.p.returncode, workdir))
        self.port = json.loads(line)["port"]
        self.base = "https://127.0.0.1:%d" % self.port

    def log(self):
        """[{method, path, time}] of the requests served so far."""
        ctx = ssl.create_default_context(cafile=self.ca)
        with urllib.request.urlopen(self.base + "/admin/log", context=ctx) as r:
            return json.loads(r.read())

    def pushback(self, path, count, status, retry_after=None):
        """Have the next count requests to path answered status (429, 503),
        with a Retry-After header when retry_after is given."""
        q = {"path": path, "count": count, "status": status}
        if retry_after is not None:
            q["retry_after"] = retry_after
        ctx = ssl.create_default_context(cafile=self.ca)
        url = self.base + "/admin/pushback?" + urllib.parse.urlencode(q)
        with urllib.request.urlopen(urllib.request.Request(url, method="POST"), context=ctx) as r:
            r.read()

    def slow(self, path, ms):
        """Have every later request to path wait ms before it is handled."""
        ctx = ssl.create_default_context(cafile=self.ca)
        url = self.base + "/admin/slow?" + urllib.parse.urlencode({"path": path, "ms": ms})
        with urllib.request.urlopen(urllib.request.Request(url, method="POST"), context=ctx) as r:
            r.read()

    def refuse(self, path, grant=None):
        """Have every later request to path refused (401), or with grant
        (refresh_token, on the Entra-like token path) every such grant."""
        q = {"path": path}
        if grant:
            q["grant"] = grant
        ctx = ssl.create_default_context(cafile=self.ca)
        url = self.base + "/admin/refuse?" + urllib.parse.urlencode(q)
        with urllib.request.urlopen(urllib.request.Request(url, method="POST"), context=ctx) as r:
            r.read()

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        self.err.close()


def oauth_keys(pv, files, *extra):
    """The probe keys of a generic (RFC 7009/7662) drill against pv. files:
    {"client": path, "password": path}."""
    return ["probe_flavour=oauth", "probe_client_id=" + CLIENT_ID,
            "probe_client_secret_file=" + files["client"], "probe_username=" + CANARY,
            "probe_password_file=" + files["password"], "probe_token_url=" + pv.base + "/token",
            "probe_revocation_url=" + pv.base + "/token/revocation",
            "probe_ca_file=" + pv.ca, "probe_poll=1s", "probe_max_wait=30"] + list(extra)


def entra_keys(pv, files, *extra):
    """The probe keys of an Entra-flavour drill against pv's Entra-like
    paths. files: {"client", "password", "graph"}: paths."""
    return ["probe_flavour=entra", "graph_tenant=contoso", "graph_client_id=" + GRAPH_CLIENT_ID,
            "graph_client_secret_file=" + files["graph"], "graph_authority=" + pv.base,
            "graph_base=" + pv.base, "graph_ca_file=" + pv.ca,
            "probe_client_id=" + CLIENT_ID, "probe_client_secret_file=" + files["client"],
            "probe_username=" + CANARY, "probe_password_file=" + files["password"],
            "probe_poll=1s", "probe_max_wait=30"] + list(extra)


def issued_tokens(tokens_file):
    """Every token value the provider wrote to tokens_file (16 chars or more)."""
    if not os.path.exists(tokens_file):
        return []
    with open(tokens_file) as f:
        return [t.strip() for t in f if len(t.strip()) >= 16]
