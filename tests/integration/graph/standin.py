#!/usr/bin/env python3
"""A loopback stand-in for Entra ID and Microsoft Graph, for revmon's graph
source (entra-facts §1-4, §7): the v2 token endpoint (client secret and
RS256 client assertion, verified against the app certificate), beta
auditLogs/signIns (interactive by default, non-interactive with the
signInEventTypes filter; createdDateTime ge/le), v1.0
auditLogs/directoryAudits (activityDateTime ge/le), v1.0 users (and one user's
signInSessionsValidFromDateTime from StandIn.sessions, on $select); opaque
@odata.nextLink paging; HTTPS with a throw-away CA (python3 standard library
plus the openssl command).

Faults are switched per test, in process (StandIn.fault(...)) or over
HTTPS with POST /_control {"fault": name, "count": n, ...}; a fault with
every=N strikes every Nth matching request instead of the next ones. The
server counts requests per endpoint with their arrival times so tests can
assert the audit-log budget (5 requests per 10 s per app per tenant).

Faults of a stalled or broken network: "token_stall" and "stall" (the
token endpoint or a Graph list reads the request after TLS and never
answers), "drop_every" (a request arriving on a kept-alive connection is
read, then the connection dropped unanswered: libcurl re-sends such a
request by itself), StandIn.silent_endpoint() (a TCP port that accepts and
never speaks TLS); the users lookup has its own "users_*" faults.
"""
import base64
import hashlib
import http.server
import json
import os
import re
import secrets
import socketserver
import ssl
import subprocess
import socket
import threading
import time
import urllib.parse
from datetime import datetime, timezone

TS = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)")


def parse_time(s):
    """Seconds since the epoch (float) of a Graph timestamp."""
    s = s.rstrip("Z")
    frac = 0.0
    if "." in s:
        s, f = s.split(".", 1)
        frac = float("0." + re.match(r"\d*", f).group(0) or "0")
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() + frac


def fmt_time(t):
    return datetime.fromtimestamp(int(t), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def rebase_line(line, delta):
    """Shift every timestamp in a record by delta whole seconds (fractions
    and everything else kept), so lags and failure texts stay consistent."""
    return TS.sub(lambda m: fmt_time(parse_time(m.group(1)) + delta), line)


def recent_records(revmon, users, workdir):
    """The simulator's records of a users-strong tenant over two hours with a
    mass revocation, moved so the newest is two minutes old, as lines; also
    written to workdir/records.ndjson (returned) for a file replay."""
    sim = subprocess.run([revmon, "simulate", "--shape", "ndjson", "--set", "sim_users=%d" % users,
                          "--set", "sim_duration=2h", "--set", "sim_mass_revocation=1h",
                          "--set", "sim_delivery_delay_max=0"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    recs = [json.loads(x) for x in sim if x.strip()]
    newest = max(parse_time(r.get("createdDateTime") or r["activityDateTime"]) for r in recs)
    delta = int(time.time() - 120 - newest)
    lines = [rebase_line(x, delta) for x in sim if x.strip()]
    replay = os.path.join(workdir, "records.ndjson")
    with open(replay, "w") as f:
        f.write("\n".join(lines) + "\n")
    return lines, replay


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64url_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def openssl(*args, cwd=None):
    subprocess.run(["openssl", *args], check=True, cwd=cwd, capture_output=True)


def make_pki(d):
    """A CA, a server certificate for 127.0.0.1 signed by it, and the app's
    self-signed certificate with its key (mode 0600)."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=revmon stand-in CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1", cwd=d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext", cwd=d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "app.key", "-out", "app.pem",
            "-days", "2", "-subj", "/CN=revmon app", cwd=d)
    openssl("x509", "-in", "app.pem", "-pubkey", "-noout", "-out", "app.pub", cwd=d)
    os.chmod(os.path.join(d, "app.key"), 0o600)
    der = subprocess.run(["openssl", "x509", "-in", os.path.join(d, "app.pem"), "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return b64url(hashlib.sha1(der).digest())


class StandIn:
    AUDIT_PATHS = ("/beta/auditLogs/signIns", "/v1.0/auditLogs/directoryAudits")

    def __init__(self, workdir, records, tenant="contoso.example", client_id="app-1234",
                 secret=None, port=0):
        self.dir = workdir
        self.tenant = tenant
        self.client_id = client_id
        self.secret = secret or ("s3cr3t-" + secrets.token_hex(16))
        self.x5t = make_pki(workdir)
        self.signins, self.audits = [], []
        self.users = {}
        for line in records:
            self.add(line)
        self.hidden = []          # late records, released by release_late()
        self.tokens = {}          # access token -> expiry
        self.issued = []          # every token issued, for the leak grep
        self.jtis = set()
        self.pages = {}           # skiptoken -> (items, offset, top, path)
        self.requests = []        # (path, monotonic time, status)
        self.faults = {}          # name -> remaining count (or params)
        self.sessions = None      # user id -> signInSessionsValidFromDateTime; None: no such route
        self.lock = threading.Lock()
        self.expect_aud_suffix = ""
        self.scope = None         # the token scope required; None: this Graph's base + "/.default"
        self.latency = 0.0        # seconds every answer waits (a slow Graph and token endpoint)
        self.token_lifetime = 3599
        self.released = threading.Event()  # ends the stalls at stop()
        self.silent = []          # listening sockets that never speak
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(workdir, "server.pem"), os.path.join(workdir, "server.key"))
        self.httpd = _Server(("127.0.0.1", port), _Handler)
        self.httpd.standin = self
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.base = "https://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # ---- data ----
    def add(self, line):
        line = line.strip()
        if not line:
            return
        rec = json.loads(line)
        if "activityDateTime" in rec:
            rec["_t"] = parse_time(rec["activityDateTime"])
            self.audits.append(rec)
        else:
            rec["_t"] = parse_time(rec["createdDateTime"])
            self.signins.append(rec)
            if rec.get("userId"):
                self.users[rec["userId"]] = rec.get("userPrincipalName")

    def hide_late(self, fraction_from_end_s):
        """Withhold the records of the last N seconds: they 'arrive late'."""
        newest = max(r["_t"] for r in self.signins + self.audits)
        with self.lock:
            for lst in (self.signins, self.audits):
                late = [r for r in lst if r["_t"] > newest - fraction_from_end_s]
                for r in late:
                    lst.remove(r)
                self.hidden += [(lst, r) for r in late]

    def release_late(self):
        with self.lock:
            for lst, r in self.hidden:
                lst.append(r)
            self.hidden = []

    # ---- control ----
    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.released.set()
        for ls in self.silent:
            ls.close()
        self.httpd.shutdown()
        self.httpd.server_close()

    def silent_endpoint(self):
        """https://127.0.0.1:PORT of a TCP port that completes the TCP
        handshake (the kernel's backlog) and never speaks TLS."""
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(64)
        self.silent.append(ls)
        return "https://127.0.0.1:%d" % ls.getsockname()[1]

    def fault(self, name, count=1, **params):
        with self.lock:
            self.faults[name] = dict(count=count, **params)

    def clear_faults(self):
        with self.lock:
            self.faults.clear()

    def take_fault(self, *names):
        with self.lock:
            for n in names:
                f = self.faults.get(n)
                if not f or f["count"] == 0:
                    continue
                if f.get("every"):
                    f["seen"] = f.get("seen", 0) + 1
                    if f["seen"] % f["every"]:
                        continue
                f["count"] -= 1
                return n, f
        return None, None

    def count(self, prefix):
        return sum(1 for p, _, _ in self.requests if p.startswith(prefix))

    def max_in_window(self, window=10.0):
        """Most audit-log requests that arrived within any window seconds."""
        times = sorted(t for p, t, _ in self.requests if p.startswith(self.AUDIT_PATHS))
        best, j = 0, 0
        for i, t in enumerate(times):
            while times[j] <= t - window:
                j += 1
            best = max(best, i - j + 1)
        return best

    def secret_file(self, path):
        """Write the client secret to path, private (0600); returns path."""
        with open(path, "w") as f:
            f.write(self.secret + "\n")
        os.chmod(path, 0o600)
        return path

    def token_url(self):
        return "%s/%s/oauth2/v2.0/token" % (self.base, self.tenant)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # dropped connections are part of the tests


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        self.nreq = 0  # requests on this connection

    def dropped(self):
        """drop_every: a request on a kept-alive connection, read, then the
        connection dropped without an answer. True when it did."""
        self.nreq += 1
        if self.nreq < 2 or not self.si.take_fault("drop_every")[0]:
            return False
        self.drop()
        return True

    def drop(self):
        self.record(0)
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def stall(self):
        """Read, never answer (until the stand-in stops)."""
        self.record(-1)
        self.si.released.wait()
        self.close_connection = True

    @property
    def si(self):
        return self.server.standin

    def reply(self, status, body, headers=None, truncate=False):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if self.si.latency and not self.path.startswith("/_control"):
            time.sleep(self.si.latency)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if truncate:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)

    def record(self, status):
        # the arrival time: what Graph's limit counts
        with self.si.lock:
            self.si.requests.append((urllib.parse.urlsplit(self.path).path, self.t0, status))

    def oauth_error(self, status, error, codes):
        self.record(status)
        self.reply(status, {"error": error,
                            "error_description": "AADSTS%d: stand-in.\r\nTrace ID: x\r\nCorrelation ID: y"
                                                 % codes[0],
                            "error_codes": codes, "timestamp": "2026-01-01 00:00:00Z",
                            "trace_id": "x", "correlation_id": "y"})

    def graph_error(self, status, code, message, headers=None):
        self.record(status)
        self.reply(status, {"error": {"code": code, "message": message,
                                      "innerError": {"date": "2026-01-01T00:00:00",
                                                     "request-id": "r", "client-request-id": "c"}}},
                   headers)

    # ---- token endpoint ----
    def do_POST(self):
        self.t0 = time.monotonic()
        si = self.si
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode()
        path = urllib.parse.urlsplit(self.path).path
        if path != "/_control" and self.dropped():
            return
        if path == "/_control":
            cmd = json.loads(raw or "{}")
            if cmd.get("fault") == "clear":
                si.clear_faults()
            elif cmd.get("fault"):
                si.fault(cmd["fault"], cmd.get("count", 1), **cmd.get("params", {}))
            self.reply(200, {"requests": [(p, s) for p, _, s in si.requests]})
            return
        if path != "/%s/oauth2/v2.0/token" % si.tenant:
            return self.oauth_error(400, "invalid_request", [90002])
        form = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
        if si.take_fault("token_stall")[0]:
            return self.stall()
        name, _ = si.take_fault("token_5xx")
        if name:
            self.record(503)
            return self.reply(503, {"error": "temporarily_unavailable", "error_codes": [50000]})
        if form.get("grant_type") != "client_credentials":
            return self.oauth_error(400, "unsupported_grant_type", [70003])
        if form.get("client_id") != si.client_id:
            return self.oauth_error(400, "unauthorized_client", [700016])
        if form.get("scope") != (si.scope or si.base + "/.default"):
            return self.oauth_error(400, "invalid_scope", [70011])
        if "client_secret" in form:
            if si.take_fault("expired_secret")[0]:
                return self.oauth_error(401, "invalid_client", [7000222])
            if form["client_secret"] != si.secret:
                return self.oauth_error(401, "invalid_client", [7000215])
        elif form.get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            why = self.check_assertion(form.get("client_assertion", ""))
            if why:
                return self.oauth_error(401, "invalid_client", [why])
        else:
            return self.oauth_error(400, "invalid_request", [900144])
        tok = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + b64url(secrets.token_bytes(48)) + "." + \
            b64url(secrets.token_bytes(32))
        aud_ok = not si.take_fault("token_audience")[0]
        with si.lock:
            si.tokens[tok] = (time.time() + si.token_lifetime, aud_ok)
            si.issued.append(tok)
        self.record(200)
        self.reply(200, {"token_type": "Bearer", "expires_in": si.token_lifetime,
                         "ext_expires_in": si.token_lifetime, "access_token": tok})

    def check_assertion(self, jwt):
        """0 when valid, else the AADSTS code to answer with."""
        si = self.si
        try:
            h64, c64, s64 = jwt.split(".")
            hdr = json.loads(b64url_dec(h64))
            claims = json.loads(b64url_dec(c64))
            sig = b64url_dec(s64)
        except Exception:
            return 50027
        if hdr.get("alg") != "RS256" or hdr.get("typ") != "JWT" or hdr.get("x5t") != si.x5t:
            return 700027
        sigf = os.path.join(si.dir, "sig-%s" % secrets.token_hex(4))
        with open(sigf, "wb") as f:
            f.write(sig)
        ok = subprocess.run(["openssl", "dgst", "-sha256", "-verify", os.path.join(si.dir, "app.pub"),
                             "-signature", sigf], input=("%s.%s" % (h64, c64)).encode(),
                            capture_output=True).returncode == 0
        os.unlink(sigf)
        if not ok:
            return 700027
        now = time.time()
        aud = si.token_url() + si.expect_aud_suffix
        if si.take_fault("assertion_audience")[0]:
            aud += "/elsewhere"
        if claims.get("aud") != aud:
            return 700021
        if claims.get("iss") != si.client_id or claims.get("sub") != si.client_id:
            return 700021
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= now - 60:
            return 500133
        if claims.get("nbf", 0) > now + 60 or claims["exp"] - claims.get("nbf", 0) > 600:
            return 700024
        jti = claims.get("jti")
        if not jti or jti in si.jtis:
            return 700024
        si.jtis.add(jti)
        return 0

    # ---- Graph ----
    def do_GET(self):
        self.t0 = time.monotonic()
        si = self.si
        if self.dropped():
            return
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        auth = self.headers.get("Authorization", "")
        tok = auth[7:] if auth.startswith("Bearer ") else ""
        with si.lock:
            t = si.tokens.get(tok)
        if not t or t[0] < time.time():
            return self.graph_error(401, "InvalidAuthenticationToken", "Access token is empty or expired.")
        if not t[1]:
            return self.graph_error(401, "InvalidAuthenticationToken",
                                    "Access token validation failure. Invalid audience.")
        if u.path in StandIn.AUDIT_PATHS:
            name, f = si.take_fault("429", "5xx", "slow", "drop", "stall", "truncated", "malformed",
                                    "premium", "denied")
            if self.transient_fault(name, f):
                return
            if name == "premium" and u.path.endswith("signIns"):
                return self.graph_error(403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                                        "Neither tenant is B2C or tenant doesn't have premium license")
            if name == "denied":
                return self.graph_error(403, "Authorization_RequestDenied",
                                        "Insufficient privileges to complete the operation.")
            page = self.list_page(u.path, q)
            if page is None:
                return self.graph_error(400, "BadRequest", "Invalid filter clause")
            return self.answer(name, json.dumps(page).encode())
        m = re.match(r"^/v1\.0/users/([^/]+)$", u.path)
        if m and si.sessions is not None:
            name, f = si.take_fault("users_429", "users_5xx", "users_drop", "users_stall",
                                    "users_truncated", "users_malformed", "users_denied")
            name = name and name[len("users_"):]
            if self.transient_fault(name, f):
                return
            if name == "denied":
                return self.graph_error(403, "Authorization_RequestDenied",
                                        "Insufficient privileges to complete the operation.")
            uid = urllib.parse.unquote(m.group(1))
            body = {"id": uid}
            # "Returned only on $select" (user.md)
            if "signInSessionsValidFromDateTime" in q.get("$select", "").split(","):
                body["signInSessionsValidFromDateTime"] = si.sessions.get(uid)
            return self.answer(name, json.dumps(body).encode())
        if u.path == "/v1.0/users":
            self.record(200)
            return self.reply(200, {"value": [{"id": k, "userPrincipalName": v,
                                               "signInSessionsValidFromDateTime": None}
                                              for k, v in sorted(si.users.items())]})
        return self.graph_error(404, "Request_ResourceNotFound", "no such resource")

    def transient_fault(self, name, f):
        """Answer a fault that may heal (429, 5xx, slow, drop, stall); True
        when the request is answered (or dropped) by it."""
        if name == "429":
            self.graph_error(429, "TooManyRequests", "Please retry again later.",
                             {"Retry-After": f.get("retry_after", "1.5")})
        elif name == "5xx":
            code = f.get("status", 503)
            self.graph_error(code, "UnknownError" if code != 503 else "ServiceUnavailable",
                             "stand-in burst")
        elif name == "drop":
            self.drop()
        elif name == "stall":
            self.stall()
        else:
            if name == "slow":
                time.sleep(f.get("seconds", 3))
            return False
        return True

    def answer(self, name, body):
        """A 200 with body, whole, truncated (connection closed) or cut short
        (a malformed JSON body of a consistent length)."""
        self.record(200)
        if name == "truncated":
            return self.reply(200, body, truncate=True)
        if name == "malformed":
            return self.reply(200, body[: len(body) // 2])
        return self.reply(200, body)

    def list_page(self, path, q):
        si = self.si
        if "$skiptoken" in q:
            with si.lock:
                st = si.pages.pop(q["$skiptoken"], None)
            if not st or st[3] != path:
                return None
            items, off, top, _ = st
        else:
            flt = q.get("$filter", "")
            field = "createdDateTime" if path.endswith("signIns") else "activityDateTime"
            lo = re.search(field + r" ge (\S+)", flt)
            hi = re.search(field + r" le (\S+)", flt)
            if not lo or not hi:
                return None  # revmon always sends a time window
            lo, hi = parse_time(lo.group(1)), parse_time(hi.group(1))
            evt = re.search(r"signInEventTypes/any\(t: t eq '(\w+)'\)", flt)
            with si.lock:
                if path.endswith("signIns"):
                    want_inter = not evt or evt.group(1) == "interactiveUser"
                    items = [r for r in si.signins if lo <= r["_t"] <= hi
                             and bool(r.get("isInteractive")) == want_inter]
                else:
                    items = [r for r in si.audits if lo <= r["_t"] <= hi]
            items.sort(key=lambda r: -r["_t"])  # newest first, as Graph does
            top = min(int(q.get("$top", "1000")), 1000)
            off = 0
        sel = q.get("$select")
        chunk = items[off: off + top]
        if sel:
            keep = sel.split(",")
            chunk = [{k: r[k] for k in keep if k in r} for r in chunk]
        else:
            chunk = [{k: v for k, v in r.items() if k != "_t"} for r in chunk]
        page = {"@odata.context": self.si.base + path, "value": chunk}
        if off + top < len(items):
            tok = secrets.token_urlsafe(24)
            with si.lock:
                si.pages[tok] = (items, off + top, top, path)
            page["@odata.nextLink"] = "%s%s?$top=%d&$skiptoken=%s" % (si.base, path, top, tok)
        return page
