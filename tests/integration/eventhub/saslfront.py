#!/usr/bin/env python3
"""A Kafka-protocol SASL front on loopback, standing before librdkafka's
mock cluster (which speaks no SASL) the way Event Hubs' Kafka endpoint
terminates SASL before its brokers: TLS with the tests' private CA,
SaslHandshake and SaslAuthenticate answered here, OAUTHBEARER tokens
(RFC 7628) checked against the OAuth provider's JWKS (RS256 signature,
issuer, audience, expiry), then every other request piped to the mock
broker behind. With --plain-secret-file, PLAIN (RFC 4616) too: the user
$ConnectionString and the namespace's connection string held in FILE, as
Event Hubs takes a shared access policy.

    saslfront.py --upstream HOST:PORT[,...] --cert PEM --key PEM --ca PEM
                 --jwks URL --issuer ISS --audience AUD --log FILE
                 [--max-session-ms N] [--hold-fetch-tokens N]
                 [--plain-secret-file FILE]

Prints "bootstrap 127.0.0.1:PORT[,...]" (one listener per upstream
broker) and serves until killed. A client learns the brokers from
Metadata and FindCoordinator answers: in the forwarded ApiVersions answer
those two are capped to versions that are not flexible, and their
answers' host/port are rewritten to the front's own listeners (a listener
more for a broker first seen there).

Each event is one JSON line of --log: the authentications (a token's
SHA-256, never the token), the requests piped (API key and version; for
Metadata the topics and AllowAutoTopicCreation), the sessions ended.
--max-session-ms closes a connection that long after its authentication,
as a Kafka broker with connections.max.reauth.ms does to a client that does
not re-authenticate (librdkafka 2.0.2 does not: it connects again with its
current token); one connection at a time, at least half that apart, so a
client always has one up.
--hold-fetch-tokens N holds every Fetch answer (the records) until N
distinct tokens have signed in: a client reads nothing until it has
renewed its token N-1 times, whatever the machine's speed."""
import argparse
import base64
import hashlib
import hmac
import json
import select
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.request

API_FETCH, API_METADATA, API_FIND_COORDINATOR = 1, 3, 10
API_SASL_HANDSHAKE, API_API_VERSIONS, API_SASL_AUTHENTICATE = 17, 18, 36
# Highest versions kept in the ApiVersions answer: Metadata v9 and
# FindCoordinator v3 are flexible (compact strings), which this front does
# not rewrite; SaslHandshake v1 carries the token in SaslAuthenticate.
CAPS = {API_METADATA: 8, API_FIND_COORDINATOR: 2}
SASL_APIS = {API_SASL_HANDSHAKE: (0, 1), API_SASL_AUTHENTICATE: (0, 1)}
ERR_UNSUPPORTED_SASL_MECHANISM, ERR_ILLEGAL_SASL_STATE, ERR_SASL_AUTHENTICATION_FAILED = 33, 34, 58
MECHANISMS = ["OAUTHBEARER"]
# PKCS#1 v1.5 DigestInfo of a SHA-256 hash (RFC 8017 §9.2)
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


class Log:
    """JSON lines, one an event, from any thread."""

    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def event(self, kind, **fields):
        with self.lock:
            self.f.write(json.dumps(dict(fields, event=kind, t=round(time.time(), 3))) + "\n")


# --- the Kafka wire format (only what this front reads and writes) ---

class Reader:
    """Kafka primitive types from a buffer, front to back."""

    def __init__(self, buf, pos=0):
        self.buf, self.pos = buf, pos

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def string(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.buf[self.pos:self.pos + n].decode()
        self.pos += n
        return s

    def bytes_(self):
        n = max(self.take(">i"), 0)
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def uvarint(self):
        shift = v = 0
        while True:
            b = self.buf[self.pos]
            self.pos += 1
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                return v
            shift += 7


def string(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def uvarint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    return bytes(out + bytes([v]))


def frame(body):
    return struct.pack(">i", len(body)) + body


def take_frames(buf):
    """The complete frames at the head of buf (a bytearray, consumed)."""
    out = []
    while len(buf) >= 4:
        n = struct.unpack_from(">i", buf)[0]
        if len(buf) < 4 + n:
            break
        out.append(bytes(buf[4:4 + n]))
        del buf[:4 + n]
    return out


def request_header(req):
    """(api_key, api_version, correlation_id, offset of the body); the
    offset is right for the requests this front reads (not flexible)."""
    r = Reader(req)
    key, version, corr = r.take(">hhi")
    r.string()  # client_id
    return key, version, corr, r.pos


# --- the OAUTHBEARER token ---

def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def bearer_of(auth_bytes):
    """The token of an RFC 7628 initial client response
    ("n,[a=authzid],^Aauth=Bearer TOKEN^A[key=value^A]...^A"), or raise
    ValueError saying what is wrong."""
    try:
        text = auth_bytes.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError("invalid_request: the initial client response is not ASCII")
    gs2, sep, rest = text.partition("\x01")
    if not sep or not gs2.startswith(("n,", "y,")) or not gs2.endswith(","):
        raise ValueError("invalid_request: no GS2 header (n,,) in the initial client response")
    if not rest.endswith("\x01\x01"):
        raise ValueError("invalid_request: the initial client response does not end with ^A^A")
    pairs = dict(kv.partition("=")[::2] for kv in rest[:-2].split("\x01") if kv)
    auth = pairs.get("auth", "")
    if not auth.startswith("Bearer ") or not auth[7:]:
        raise ValueError("invalid_request: no auth=Bearer <token> in the initial client response")
    return auth[7:]


class Keys:
    """The provider's signing keys (its JWKS over TLS with the CA), fetched
    again when a token names a key not seen yet."""

    def __init__(self, url, ca):
        self.url, self.ctx, self.keys = url, ssl.create_default_context(cafile=ca), {}
        self.lock = threading.Lock()

    def get(self, kid):
        with self.lock:
            if kid not in self.keys:
                with urllib.request.urlopen(self.url, context=self.ctx, timeout=10) as r:
                    jwks = json.loads(r.read())
                self.keys = {k.get("kid"): k for k in jwks["keys"] if k.get("kty") == "RSA"}
            return self.keys.get(kid)


def rs256_ok(jwk, signed, sig):
    """An RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature check."""
    n = int.from_bytes(b64url(jwk["n"]), "big")
    e = int.from_bytes(b64url(jwk["e"]), "big")
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    em = pow(int.from_bytes(sig, "big"), e, n).to_bytes(k, "big")
    t = SHA256_PREFIX + hashlib.sha256(signed).digest()
    return em == b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t


def claims_of(token, keys, issuer, audience, now):
    """The claims of a valid JWT access token, or raise ValueError with
    the reason given to the client."""
    parts = token.split(".")
    try:
        header, claims, sig = json.loads(b64url(parts[0])), json.loads(b64url(parts[1])), b64url(parts[2])
    except (ValueError, IndexError):
        raise ValueError("invalid_token: not a JWT")
    jwk = keys.get(header.get("kid")) if header.get("alg") == "RS256" and len(parts) == 3 else None
    if not jwk or not rs256_ok(jwk, (parts[0] + "." + parts[1]).encode(), sig):
        raise ValueError("invalid_token: the signature does not verify with the issuer's keys")
    if claims.get("iss") != issuer:
        raise ValueError("invalid_token: issuer %r is not %r" % (claims.get("iss"), issuer))
    auds = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    if audience not in auds:
        raise ValueError("invalid_token: audience %r is not this namespace's %r" % (claims.get("aud"), audience))
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= now:
        raise ValueError("invalid_token: the token expired (exp %s)" % claims.get("exp"))
    return claims


# --- the PLAIN message ---

def plain_check(auth_bytes, secret):
    """Raise ValueError, saying why, unless auth_bytes is an RFC 4616
    message (authzid NUL authcid NUL passwd) of the user $ConnectionString
    with the connection string secret (bytes)."""
    parts = auth_bytes.split(b"\0")
    if len(parts) != 3:
        raise ValueError("invalid_request: not a PLAIN message")
    if parts[1] != b"$ConnectionString":
        raise ValueError("the user name is not $ConnectionString")
    if not hmac.compare_digest(parts[2], secret):
        raise ValueError("the connection string is not one of this namespace's policies")


# --- answers the front gives itself, and the ones it rewrites ---

def handshake_answer(req, mechanisms):
    """SaslHandshake v0/v1: (answer body, the mechanism or None)."""
    mech = Reader(req, request_header(req)[3]).string()
    ok = mech in mechanisms
    body = struct.pack(">hi", 0 if ok else ERR_UNSUPPORTED_SASL_MECHANISM, len(mechanisms))
    return body + b"".join(string(m) for m in mechanisms), mech if ok else None


def authenticate_answer(version, error, message, lifetime_ms):
    """SaslAuthenticate v0/v1: error code and message, no server bytes,
    and (v1) the session's lifetime."""
    body = struct.pack(">h", error) + string(message) + struct.pack(">i", 0)
    return body + (struct.pack(">q", lifetime_ms) if version >= 1 else b"")


def rewrite_api_versions(resp, version, log):
    """The mock broker's ApiVersions answer with SaslHandshake and
    SaslAuthenticate added and Metadata, FindCoordinator capped."""
    r = Reader(resp, 4)
    if r.take(">h"):
        return resp  # an error: the client asks again with an older version
    flexible = version >= 3
    n = r.uvarint() - 1 if flexible else r.take(">i")
    apis = {}
    for _ in range(n):
        key, lo, hi = r.take(">hhh")
        if flexible:
            r.uvarint()  # the mock's entries carry no tagged fields
        apis[key] = (lo, hi)
    log.event("broker_api_versions", **{"api_%d" % k: list(apis[k]) for k in sorted(apis) if k in CAPS})
    apis.update(SASL_APIS)
    for key, cap in CAPS.items():
        if key in apis:
            apis[key] = (apis[key][0], min(apis[key][1], cap))
    out = resp[:4] + struct.pack(">h", 0)
    out += uvarint(len(apis) + 1) if flexible else struct.pack(">i", len(apis))
    for key in sorted(apis):
        out += struct.pack(">hhh", key, *apis[key]) + (b"\x00" if flexible else b"")
    return out + resp[r.pos:]


def rewrite_metadata(resp, version, listener_for):
    """Metadata v0-v8: each broker's host/port made the front's."""
    r = Reader(resp, 4)
    if version >= 3:
        r.take(">i")  # throttle_time_ms
    out = bytearray(resp[:r.pos])
    n = r.take(">i")
    out += struct.pack(">i", n)
    for _ in range(n):
        node = r.take(">i")
        host = r.string()
        port = r.take(">i")
        out += struct.pack(">i", node) + string("127.0.0.1") + struct.pack(">i", listener_for(host, port))
        if version >= 1:
            start = r.pos
            r.string()  # rack
            out += resp[start:r.pos]
    return bytes(out + resp[r.pos:])


def rewrite_coordinator(resp, version, listener_for):
    """FindCoordinator v0-v2: the coordinator's host/port made the front's."""
    r = Reader(resp, 4)
    if version >= 1:
        r.take(">i")  # throttle_time_ms
    error = r.take(">h")
    if version >= 1:
        r.string()  # error_message
    start = r.pos
    node = r.take(">i")
    host = r.string()
    port = r.take(">i")
    if error or node < 0:
        return resp
    return resp[:start] + struct.pack(">i", node) + string("127.0.0.1") + \
        struct.pack(">i", listener_for(host, port)) + resp[r.pos:]


def metadata_request(req, version):
    """What a Metadata v0-v8 request asks: its topics (None: all) and
    AllowAutoTopicCreation (a field from v4; earlier versions imply it)."""
    r = Reader(req, request_header(req)[3])
    n = r.take(">i")
    topics = None if n < 0 else [r.string() for _ in range(n)]
    auto = bool(r.take(">b")) if version >= 4 else "implied (v%d has no such field)" % version
    return {"topics": topics, "allow_auto_topic_creation": auto}


class Front:
    """The listeners (one per upstream broker) and their connections."""

    def __init__(self, args, log, keys):
        self.args, self.log, self.keys = args, log, keys
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(args.cert, args.key)
        self.listeners = {}  # (upstream host, port) -> our port
        self.tokens = set()  # SHA-256 of every token that signed in
        self.last_end = 0.0  # when a session last ended for its age (monotonic)
        self.lock = threading.Lock()
        self.plain_secret = None
        if args.plain_secret_file:
            with open(args.plain_secret_file, "rb") as f:
                self.plain_secret = f.read().strip()
        self.mechanisms = MECHANISMS + (["PLAIN"] if self.plain_secret else [])

    def may_end_session(self):
        """True (and the turn taken) when no session ended for its age in
        the last half --max-session-ms."""
        with self.lock:
            now = time.monotonic()
            if now - self.last_end < self.args.max_session_ms / 2000:
                return False
            self.last_end = now
            return True

    def signed_in(self, digest):
        with self.lock:
            self.tokens.add(digest)

    def fetch_open(self):
        with self.lock:
            return len(self.tokens) >= self.args.hold_fetch_tokens

    def listener_for(self, host, port):
        """Our port for an upstream broker, listening from now on."""
        with self.lock:
            if (host, port) not in self.listeners:
                s = socket.socket()
                s.bind(("127.0.0.1", 0))
                s.listen(16)
                self.listeners[(host, port)] = s.getsockname()[1]
                threading.Thread(target=self.accept, args=(s, (host, port)), daemon=True).start()
            return self.listeners[(host, port)]

    def accept(self, s, upstream):
        while True:
            c, _ = s.accept()
            threading.Thread(target=self.serve, args=(c, upstream), daemon=True).start()

    def serve(self, c, upstream):
        """One connection, TLS first; every way it ends is logged."""
        try:
            c = self.tls.wrap_socket(c, server_side=True)
            Connection(self, c, upstream).run()
        except (OSError, ValueError, struct.error) as e:
            self.log.event("closed", reason=str(e))
        finally:
            c.close()


class Connection:
    """One client connection: SASL here, then piped to its broker."""

    def __init__(self, front, client, upstream):
        self.front, self.log, self.client = front, front.log, client
        self.up = socket.create_connection(upstream)
        self.asked = {}          # correlation id -> (api key, version) of piped requests
        self.held = []           # answers held back (Fetch, and any after it), in order
        self.aged = None         # when the session is old enough to end (monotonic)
        self.mechanism = None
        self.from_client, self.from_up = bytearray(), bytearray()

    def run(self):
        try:
            while not self.before_auth(self.next_request()):
                pass
            self.pipe()
        finally:
            self.up.close()

    def read_client(self):
        data = self.client.recv(1 << 16)
        if not data:
            raise OSError("the client closed the connection")
        self.from_client += data

    def next_request(self):
        while True:
            frames = take_frames(self.from_client)
            if frames:
                self.from_client[:0] = b"".join(frame(f) for f in frames[1:])
                return frames[0]
            self.read_client()

    def upstream_answer(self, req):
        """req sent to the broker; its answer (the only one in flight)."""
        self.up.sendall(frame(req))
        while True:
            frames = take_frames(self.from_up)
            if frames:
                return frames[0]
            data = self.up.recv(1 << 16)
            if not data:
                raise OSError("the broker closed the connection")
            self.from_up += data

    def answer(self, corr, body):
        self.client.sendall(frame(struct.pack(">i", corr) + body))

    def before_auth(self, req):
        """One request before authentication; True once authenticated. A
        request a broker does not take before SASL closes the connection."""
        key, version, corr, _ = request_header(req)
        if key == API_API_VERSIONS:
            self.client.sendall(frame(rewrite_api_versions(self.upstream_answer(req), version, self.log)))
        elif key == API_SASL_HANDSHAKE:
            body, self.mechanism = handshake_answer(req, self.front.mechanisms)
            self.log.event("handshake", api_version=version, mechanism=self.mechanism)
            self.answer(corr, body)
        elif key == API_SASL_AUTHENTICATE and self.mechanism == "PLAIN":
            return self.check_plain(req, version, corr)
        elif key == API_SASL_AUTHENTICATE and self.mechanism:
            return self.check_token(req, version, corr)
        else:
            if key == API_SASL_AUTHENTICATE:
                self.answer(corr, authenticate_answer(version, ERR_ILLEGAL_SASL_STATE, "SaslHandshake first", 0))
            raise OSError("request %d v%d before authentication" % (key, version))
        return False

    def check_token(self, req, version, corr):
        """SaslAuthenticate: True with the token valid, else the refusal
        answered (SASL_AUTHENTICATION_FAILED, the reason) and closed."""
        auth = Reader(req, request_header(req)[3]).bytes_()
        now = int(time.time())
        digest = None
        a = self.front.args
        try:
            token = bearer_of(auth)
            digest = hashlib.sha256(token.encode()).hexdigest()
            claims = claims_of(token, self.front.keys, a.issuer, a.audience, now)
        except ValueError as e:
            self.log.event("auth_failed", token_sha256=digest, reason=str(e), api_version=version)
            self.answer(corr, authenticate_answer(version, ERR_SASL_AUTHENTICATION_FAILED, str(e), 0))
            raise OSError("authentication failed")
        self.aged = time.monotonic() + a.max_session_ms / 1000 if a.max_session_ms else float("inf")
        self.log.event("auth_ok", token_sha256=digest, exp=claims["exp"], iat=claims.get("iat"),
                       client_id=claims.get("client_id"), api_version=version)
        self.answer(corr, authenticate_answer(version, 0, None, (claims["exp"] - now) * 1000))
        self.front.signed_in(digest)
        return True

    def check_plain(self, req, version, corr):
        """SaslAuthenticate after PLAIN: True with the connection string,
        else the refusal answered and closed. Never logs the secret."""
        auth = Reader(req, request_header(req)[3]).bytes_()
        a = self.front.args
        try:
            plain_check(auth, self.front.plain_secret)
        except ValueError as e:
            self.log.event("auth_failed", mechanism="PLAIN", reason=str(e), api_version=version)
            self.answer(corr, authenticate_answer(version, ERR_SASL_AUTHENTICATION_FAILED, str(e), 0))
            raise OSError("authentication failed")
        self.aged = time.monotonic() + a.max_session_ms / 1000 if a.max_session_ms else float("inf")
        self.log.event("auth_ok", mechanism="PLAIN", api_version=version)
        self.answer(corr, authenticate_answer(version, 0, None, a.max_session_ms))
        return True

    def pipe_requests(self, reqs):
        """Requests to the broker, each remembered for its answer, logged."""
        for req in reqs:
            key, version, corr, _ = request_header(req)
            self.asked[corr] = (key, version)
            extra = metadata_request(req, version) if key == API_METADATA else {}
            self.log.event("request", api_key=key, api_version=version, **extra)
            self.up.sendall(frame(req))

    def pipe_answer(self, resp):
        """A broker's answer to the client, its addresses made the front's,
        after any answer held before it (a connection's answers keep the
        order of its requests)."""
        key, version = self.asked.pop(struct.unpack_from(">i", resp)[0], (None, 0))
        if key == API_METADATA:
            resp = rewrite_metadata(resp, version, self.front.listener_for)
        elif key == API_FIND_COORDINATOR:
            resp = rewrite_coordinator(resp, version, self.front.listener_for)
        self.held.append((key == API_FETCH, resp))
        self.release_held()

    def release_held(self):
        """The answers held, up to the first Fetch while the gate is shut."""
        while self.held and (not self.held[0][0] or self.front.fetch_open()):
            self.client.sendall(frame(self.held.pop(0)[1]))

    def session_over(self):
        return time.monotonic() >= self.aged and self.front.may_end_session()

    def pipe(self):
        """Everything after authentication, both ways, until one side
        closes or the session ends."""
        self.pipe_requests(take_frames(self.from_client))
        while not self.session_over():
            # 0.2 s at most: held answers and the session's end are looked at
            ready = [self.client] if self.client.pending() else \
                select.select([self.client, self.up], [], [], 0.2)[0]
            if self.client in ready:
                self.read_client()
                self.pipe_requests(take_frames(self.from_client))
            if self.up in ready:
                data = self.up.recv(1 << 20)
                if not data:
                    raise OSError("the broker closed the connection")
                self.from_up += data
                for resp in take_frames(self.from_up):
                    self.pipe_answer(resp)
            self.release_held()
        self.log.event("session_ended")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True, help="the mock cluster's bootstrap list")
    ap.add_argument("--cert", required=True, help="the front's TLS certificate (PEM)")
    ap.add_argument("--key", required=True, help="its key (PEM)")
    ap.add_argument("--ca", required=True, help="the CA of the provider's certificate")
    ap.add_argument("--jwks", required=True, help="the provider's JWKS URL")
    ap.add_argument("--issuer", required=True, help="the tokens' iss")
    ap.add_argument("--audience", required=True, help="the tokens' aud: this namespace")
    ap.add_argument("--log", required=True, help="a file for the events, one JSON object a line")
    ap.add_argument("--max-session-ms", type=int, default=0)
    ap.add_argument("--hold-fetch-tokens", type=int, default=0)
    ap.add_argument("--plain-secret-file", help="the connection string PLAIN takes (no PLAIN without)")
    args = ap.parse_args()
    front = Front(args, Log(args.log), Keys(args.jwks, args.ca))
    ports = []
    for hp in args.upstream.split(","):
        host, _, port = hp.rpartition(":")
        ports.append(front.listener_for(host, int(port)))
    print("bootstrap " + ",".join("127.0.0.1:%d" % p for p in ports), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
