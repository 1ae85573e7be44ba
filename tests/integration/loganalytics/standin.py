#!/usr/bin/env python3
"""A loopback stand-in for the Log Analytics query API, for revmon's
Log Analytics source (log-shapes.md §1-§2): the Entra v2 token endpoint
(the Graph stand-in's, reused: client secret or RS256 client assertion) for
the scope https://api.loganalytics.io/.default, and
POST /v1/workspaces/{id}/query answering the one KQL shape the source sends

    TABLE
    | where TimeGenerated > datetime(T0) and ingestion_time() > datetime(T1) and ingestion_time() <= datetime(T2)
    | project COL, ..., COL
    | take N

over rows loaded from NDJSON files of Log Analytics rows (revmon simulate
--shape la). Each row gets a _TimeReceived (TimeGenerated + a latency) and
an ingestion time a few seconds later, and is visible only once that
ingestion time has passed on the stand-in's clock (real time, or set by a
test). Answers are serialised as the API does (§2.4); errors are OneAPI
bodies (§2.5); limits are the documented ones (§2.6), settable small.

Per test, in process or over POST /_control (see StandIn.control):
- faults (StandIn.fault(name, count, **params); every=N strikes every Nth):
  QUERY_FAULTS below, plus the token endpoint's own (token_stall,
  token_5xx, expired_secret, token_audience, assertion_audience,
  drop_every), which the Graph stand-in implements;
- options (StandIn.set(**options)): DEFAULTS below;
- the clock (StandIn.set_now, advance) and StandIn.rebase, which moves the
  data so it ends "now", as the Graph stand-in's recent_records does;
- StandIn.latency (the Graph stand-in's): a delay of every answer, the
  token endpoint's too.

It counts requests with their arrival times (StandIn.requests, as in the
Graph stand-in) and keeps the query texts it was sent (StandIn.queries).

usage: standin.py --rows FILE [--rows FILE]... [--workspace ID] [--port N] ...
"""
import argparse
import calendar
import collections
import importlib.util
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid


def _load_graph_standin():
    """The Graph stand-in's module, under its own name: both files are
    called standin.py, so a plain import would find this one."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "graph", "standin.py")
    spec = importlib.util.spec_from_file_location("graph_standin", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["graph_standin"] = mod
    spec.loader.exec_module(mod)
    return mod


graph = _load_graph_standin()

SCOPE = "https://api.loganalytics.io/.default"
TICKS = 10_000_000  # Kusto datetimes are 100 ns ticks: keep all 7 digits exactly
ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,7})?Z"
QUERY_PATH = re.compile(r"^/v1/workspaces/([^/]+)/query$")

# The options a test may set, with the service's documented values (§2.6).
DEFAULTS = {
    "max_rows": 500000,             # rows per answer, then a partial result
    "max_bytes": 100 * 1024 * 1024,  # bytes of rows per answer, then a partial result
    "rate_limit": 200,              # queries per rate_window per client, then 429
    "rate_window": 30.0,
    "retry_after": "auto",          # on 429s: "auto" (seconds until a slot frees), a number, or None (no header)
    "concurrency": 5,               # queries running at once per client; the rest queue FIFO
    "queue_limit": 200,             # queued queries beyond which a query gets 429 at once
    "queue_wait": 180.0,            # seconds in the queue before a 429
    "delay": 0.0,                   # seconds each query runs: a number or [lo, hi] (seeded draw)
    "default_wait": 180,            # the query timeout without Prefer: wait (then 504)
    "max_wait": 600,                # the most Prefer: wait may ask for
    "no_data": False,               # the workspace has no data at all: 204, empty body
    "role": True,                   # False: the app has no role on the workspace (403)
    "absent_tables": [],            # tables the diagnostic settings do not send (SemanticError)
    "order": "ingestion",           # row order before take: ingestion, reverse or shuffle (seeded)
}

# Faults of one query each (count, every=N as in the Graph stand-in).
QUERY_FAULTS = (
    "429",        # params: retry_after (a number, or None: no header)
    "5xx",        # params: status (500, 502, 503: default 503)
    "drop",       # read the request, close the connection unanswered
    "stall",      # read the request, never answer (until stop)
    "slow",       # params: seconds (default 3): this query runs that long (504 past its wait)
    "partial",    # params: keep (rows kept; default half): 200 with a PartialError
    "no_role",    # 403 InsufficientAccessError
    "no_data",    # 204, empty body
    "truncated",  # a 200 whose body is cut and the connection closed
    "malformed",  # a 200 whose body is cut short, with a consistent length
)

TABLES = ("SigninLogs", "AADNonInteractiveUserSignInLogs", "AuditLogs")

# ---- the tables' columns (§1.2, §1.3), with their types ----

# (column, type in SigninLogs, type in AADNonInteractiveUserSignInLogs)
_SIGNIN_COLUMNS = (
    ("TenantId", "string", "string"), ("SourceSystem", "string", "string"),
    ("TimeGenerated", "datetime", "datetime"), ("CreatedDateTime", "datetime", "datetime"),
    ("Id", "string", "string"), ("CorrelationId", "string", "string"),
    ("OriginalRequestId", "string", "string"), ("UserId", "string", "string"),
    ("UserPrincipalName", "string", "string"), ("UserDisplayName", "string", "string"),
    ("AppId", "string", "string"), ("AppDisplayName", "string", "string"),
    ("IPAddress", "string", "string"), ("IsInteractive", "bool", "bool"),
    ("ResultType", "string", "string"), ("ResultDescription", "string", "string"),
    ("Status", "dynamic", "string"), ("DeviceDetail", "dynamic", "string"),
    ("LocationDetails", "dynamic", "string"), ("ConditionalAccessPolicies", "dynamic", "string"),
    ("AuthenticationProcessingDetails", "string", "string"),
    ("IncomingTokenType", "string", "string"), ("SessionId", "string", "string"),
    ("UniqueTokenIdentifier", "string", "string"), ("TokenIssuerType", "string", "string"),
    ("SignInEventTypes", None, "string"),
    ("TokenProtectionStatusDetails", "dynamic", "string"), ("Agent", "dynamic", "string"),
    ("DurationMs", "long", "long"), ("Category", "string", "string"),
    ("OperationName", "string", "string"), ("Type", "string", "string"),
)
_AUDIT_COLUMNS = (
    ("TenantId", "string"), ("SourceSystem", "string"), ("TimeGenerated", "datetime"),
    ("ActivityDateTime", "datetime"), ("OperationName", "string"),
    ("ActivityDisplayName", "string"), ("Category", "string"), ("Result", "string"),
    ("ResultReason", "string"), ("TargetResources", "dynamic"), ("InitiatedBy", "dynamic"),
    ("AdditionalDetails", "dynamic"), ("CorrelationId", "string"), ("Id", "string"),
    ("LoggedByService", "string"), ("AADOperationType", "string"), ("Level", "string"),
    ("DurationMs", "long"), ("Type", "string"),
)
HIDDEN = {"_TimeReceived": "datetime"}  # shown only when projected


def documented_schema(table):
    """The documented columns of a table, name -> Kusto type, in order."""
    if table == "AuditLogs":
        return dict(_AUDIT_COLUMNS)
    i = 1 if table == "SigninLogs" else 2
    return {c[0]: c[i] for c in _SIGNIN_COLUMNS if c[i]}


def inferred_type(table, value):
    """The type of a column the documentation table leaves out, from a row's
    value: JSON-bearing columns are dynamic, except in the non-interactive
    table where they are strings (§1.1)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "real"
    if isinstance(value, (dict, list)):
        return "string" if table == "AADNonInteractiveUserSignInLogs" else "dynamic"
    return "string"


# ---- time ----

def to_ticks(s):
    """100 ns ticks since the epoch of an ISO 8601 UTC time (Z or +00:00,
    any fraction: digits past the seventh are dropped, as Kusto does)."""
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(?:Z|\+00:00)?$", s)
    if not m:
        raise ValueError("not an ISO 8601 UTC time: %r" % s)
    whole = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    return whole * TICKS + int((m.group(2) or "")[:7].ljust(7, "0"))


def kusto_time(ticks):
    """A datetime cell as the API writes it: trailing zeros of the fraction
    dropped, so 1 to 7 digits (and none on a whole second)."""
    secs, frac = divmod(ticks, TICKS)
    f = ("%07d" % frac).rstrip("0")
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + ("." + f if f else "") + "Z"


def ticks_of(v):
    """Ticks of seconds since the epoch (a number) or of an ISO 8601
    string, which keeps all seven digits (a float of seconds cannot)."""
    return int(round(v * TICKS)) if isinstance(v, (int, float)) else to_ticks(v)


# ---- the query ----

_SEP = r"(?: |\r?\n[ \t]*)"   # between the parts: a single space or a line break
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DT = r"datetime\((%s)\)" % ISO
# The grammar token by token, so a syntax error can say where it is.
_ING = (r"ingestion_time\(\)",)
GRAMMAR = tuple(re.compile(t) for t in (
    (r"\s*(%s)" % _NAME,
     _SEP + r"\|", " where", " TimeGenerated", " >", r" datetime\(", "(%s)" % ISO, r"\)")
    + (_SEP + "and", " " + _ING[0], " >", r" datetime\(", "(%s)" % ISO, r"\)")
    + (_SEP + "and", " " + _ING[0], " <=", r" datetime\(", "(%s)" % ISO, r"\)")
    + (_SEP + r"\|", " project", r" (%s(?:, ?%s)*)" % (_NAME, _NAME))
    + (_SEP + r"\|", " take", r" (\d+)", r"\s*\Z")))


class QueryError(Exception):
    """A query the service refuses: status, code, message, innererror."""

    def __init__(self, status, code, message, inner=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.inner, self.headers = inner, headers


def bad_argument(inner):
    return QueryError(400, "BadArgumentError", "The request had some invalid properties", inner)


def syntax_error(text, pos):
    """400 SyntaxError pointing at pos, the way Kusto reports it."""
    pos += len(re.match(r"\s*", text[pos:]).group(0))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    token = re.match(r"\S{0,24}", text[pos:]).group(0) or "<EOF>"
    detail = "Query could not be parsed at '%s' on line [%d,%d]" % (token, line, col)
    return bad_argument({"code": "SyntaxError", "message": "A recognition error occurred in the query.",
                         "innererror": {"code": "SYN0002", "message": detail, "line": line,
                                        "pos": col, "token": token}})


def semantic_error(message):
    return bad_argument({"code": "SemanticError", "message": message,
                         "innererror": {"code": "SEM0100", "message": message}})


def parse_query(text):
    """The parts of the one query shape revmon sends, as a dict; anything
    else raises the SyntaxError the service would answer."""
    pos, groups = 0, []
    for step in GRAMMAR:
        m = step.match(text, pos)
        if not m:
            raise syntax_error(text, pos)
        groups += m.groups()
        pos = m.end()
    table, t0, t1, t2, cols, n = groups
    return {"table": table, "tg_after": to_ticks(t0), "ing_after": to_ticks(t1),
            "ing_upto": to_ticks(t2), "columns": [c.strip() for c in cols.split(",")],
            "take": int(n)}


_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def duration_ticks(s):
    m = _DURATION.match(s)
    if not m or s in ("P", "PT") or s.endswith("T"):
        raise ValueError(s)
    d, h, mi, sec = (float(x or 0) for x in m.groups())
    return int(((d * 24 + h) * 60 + mi) * 60 * TICKS + sec * TICKS)


def parse_timespan(ts, now):
    """[start, end) in ticks of a body's timespan: start/end, start/duration,
    or a duration ending now; None when there is none."""
    if ts is None:
        return None
    try:
        if "/" in ts:
            a, b = ts.split("/", 1)
            start = to_ticks(a)
            end = start + duration_ticks(b) if b.startswith("P") else to_ticks(b)
            return start, end
        return now - duration_ticks(ts), now
    except ValueError:
        raise bad_argument({"code": "InvalidTimespan",
                            "message": "The timespan '%s' is not a valid ISO 8601 interval." % ts})


def parse_prefer(headers):
    """The Prefer header's preferences: {"wait": "600", "include-statistics": "true"}."""
    prefs = {}
    for h in headers.get_all("Prefer") or ():
        for part in h.split(","):
            k, _, v = part.strip().partition("=")
            if k:
                prefs[k.strip().lower()] = v.strip()
    return prefs


# ---- rows ----

class Row:
    """One row of a table: its cells as loaded, and its three times in ticks."""
    __slots__ = ("cells", "tg", "recv", "ingest")

    def __init__(self, cells, tg, recv, ingest):
        self.cells, self.tg, self.recv, self.ingest = cells, tg, recv, ingest


def cell(value, ctype):
    """A value as the API serialises a cell of type ctype (§2.4)."""
    if ctype == "string":
        if value is None:
            return ""
        if isinstance(value, (dict, list)):
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)
    if value is None or value == "":
        return None
    if ctype == "dynamic":
        if isinstance(value, str):
            return value  # already JSON text, as the non-interactive table stores it
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if ctype == "datetime":
        if isinstance(value, int):
            return kusto_time(value)
        try:
            return kusto_time(to_ticks(value))
        except ValueError:
            return value  # a row the stand-in cannot read: passed on as it is
    if ctype == "bool":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if ctype in ("long", "int"):
        return int(value)
    if ctype == "real":
        return float(value)
    return str(value)


# ---- the stand-in ----

def simulator_rows(revmon, workdir):
    """Two hours of a 150-user tenant with a mass revocation, as Log
    Analytics rows written by revmon simulate; the file's path."""
    p = subprocess.run([revmon, "simulate", "--shape", "la", "--set", "sim_users=150",
                        "--set", "sim_duration=2h", "--set", "sim_mass_revocation=1h",
                        "--set", "sim_delivery_delay_max=0"],
                       capture_output=True, text=True, check=True)
    path = os.path.join(workdir, "rows.ndjson")
    with open(path, "w") as f:
        f.write(p.stdout)
    return path


class StandIn(graph.StandIn):
    """The token endpoint and CA of the Graph stand-in, with the query API
    in place of Graph. latency: seconds from TimeGenerated to _TimeReceived
    (None: drawn 1-10 min per row); ingest_delay: seconds from there to the
    ingestion time (None: drawn 2-8 s); both from a RNG seeded with seed."""

    def __init__(self, workdir, rows=(), workspace=None, latency=None, ingest_delay=None, seed=1,
                 port=0, **kw):
        super().__init__(workdir, [], port=port, **kw)
        self.httpd.RequestHandlerClass = _Handler
        self.scope = SCOPE
        self.workspace = workspace or str(uuid.UUID(int=random.Random(seed).getrandbits(128)))
        self.workspaces = {self.workspace}
        # (not self.latency: the Graph stand-in's delay of every answer)
        self.row_latency, self.ingest_delay = latency, ingest_delay
        self.rng = random.Random(seed)
        self.tables = {t: [] for t in TABLES}
        self.schemas = {t: documented_schema(t) for t in TABLES}
        self.options = json.loads(json.dumps(DEFAULTS))
        self.queries = collections.deque(maxlen=1000)  # (arrival, text, timespan, prefer)
        self.arrivals = {}      # client -> deque of admitted query arrivals (monotonic)
        self.gates = {}         # client -> _Gate
        self.offset, self.frozen = 0.0, None
        for r in rows:
            self.add_row(r)

    # ---- data ----
    def load(self, path):
        """Add every row of an NDJSON file of Log Analytics rows; the count."""
        n = 0
        with open(path) as f:
            for line in f:
                if line.strip():
                    self.add_row(json.loads(line))
                    n += 1
        return n

    def add_row(self, cells, latency=None, ingest_delay=None):
        """Add one row (a dict with Type and TimeGenerated); latency and
        ingest_delay (seconds) override the stand-in's for this row."""
        table = cells["Type"]
        tg = to_ticks(cells["TimeGenerated"])
        lat = latency if latency is not None else self.row_latency
        dly = ingest_delay if ingest_delay is not None else self.ingest_delay
        recv = tg + (int(lat * TICKS) if lat is not None else self.rng.randint(60 * TICKS, 600 * TICKS))
        ing = recv + (int(dly * TICKS) if dly is not None else self.rng.randint(2 * TICKS, 8 * TICKS))
        with self.lock:
            self.tables.setdefault(table, []).append(Row(cells, tg, recv, ing))
            schema = self.schemas.setdefault(table, {})
            for k, v in cells.items():
                if k not in schema and v is not None:
                    schema[k] = inferred_type(table, v)
        return self

    def all_rows(self):
        with self.lock:
            return [r for rows in self.tables.values() for r in rows]

    def write_rows(self, path):
        """The rows as they now are (rebased), as NDJSON for a file replay; path."""
        with open(path, "w") as f:
            for r in self.all_rows():
                f.write(json.dumps(r.cells) + "\n")
        return path

    def rebase(self, end=None, by="TimeGenerated"):
        """Move every row (all timestamps in it, whole seconds, as the Graph
        stand-in's rebase_line does) so the newest TimeGenerated (or, with
        by="ingestion", the newest ingestion time) is end (default: now).
        With TimeGenerated the newest rows then become visible over the next
        minutes, as in a live workspace. Returns the shift in seconds."""
        rows = self.all_rows()
        if not rows:
            return 0
        end_t = self.now_ticks() if end is None else ticks_of(end)
        newest = max(r.ingest if by == "ingestion" else r.tg for r in rows)
        delta = (end_t - newest) // TICKS
        with self.lock:
            for r in rows:
                r.cells = json.loads(graph.rebase_line(json.dumps(r.cells), delta))
                r.tg, r.recv, r.ingest = (x + delta * TICKS for x in (r.tg, r.recv, r.ingest))
        return delta

    # ---- clock ----
    def set_now(self, t=None, frozen=False):
        """Set the stand-in's clock to t (seconds or ISO 8601; None: real
        time again); it runs on from there unless frozen."""
        with self.lock:
            self.frozen = None
            self.offset = 0.0 if t is None else ticks_of(t) / TICKS - time.time()
            if frozen and t is not None:
                self.frozen = ticks_of(t)

    def advance(self, seconds):
        """Move the clock on (frozen or not)."""
        with self.lock:
            if self.frozen is not None:
                self.frozen += int(seconds * TICKS)
            else:
                self.offset += seconds

    def now_ticks(self):
        with self.lock:
            if self.frozen is not None:
                return self.frozen
            return int((time.time() + self.offset) * TICKS)

    # ---- options and control ----
    def set(self, **options):
        """Set options (DEFAULTS names the ones there are)."""
        for k in options:
            if k not in DEFAULTS:
                raise ValueError("no such option: %s" % k)
        with self.lock:
            self.options.update(options)

    def reset(self):
        """Options, faults and clock back to their defaults."""
        self.clear_faults()
        with self.lock:
            self.options = json.loads(json.dumps(DEFAULTS))
            self.arrivals.clear()
        self.set_now(None)

    def opt(self, name):
        with self.lock:
            return self.options[name]

    def control(self, cmd):
        """One POST /_control body: {"fault": name|"clear", "count", "params"},
        {"options": {...}}, {"reset": true}, {"now": t|null, "frozen": bool},
        {"advance": seconds}, {"rebase": {"end", "by"}}; the answer."""
        if cmd.get("reset"):
            self.reset()
        if cmd.get("fault") == "clear":
            self.clear_faults()
        elif cmd.get("fault"):
            self.fault(cmd["fault"], cmd.get("count", 1), **cmd.get("params", {}))
        if "options" in cmd:
            self.set(**cmd["options"])
        if "now" in cmd:
            self.set_now(cmd["now"], cmd.get("frozen", False))
        if "advance" in cmd:
            self.advance(cmd["advance"])
        out = {}
        if "rebase" in cmd:
            out["rebased_by_seconds"] = self.rebase(**(cmd["rebase"] or {}))
        with self.lock:
            out.update(requests=[(p, s) for p, _, s in self.requests],
                       queries=[q[1] for q in list(self.queries)[-20:]],
                       options=dict(self.options))
        out["now"] = kusto_time(self.now_ticks())
        return out

    def max_in_window(self, window=30.0):
        """Most queries that arrived within any window seconds (the rate
        limit's unit: 200 per 30 s)."""
        times = sorted(t for p, t, _ in self.requests if QUERY_PATH.match(p))
        best, j = 0, 0
        for i, t in enumerate(times):
            while times[j] <= t - window:
                j += 1
            best = max(best, i - j + 1)
        return best

    def query_texts(self):
        """The query texts received, oldest first."""
        with self.lock:
            return [q[1] for q in self.queries]

    def query_url(self):
        return "%s/v1/workspaces/%s/query" % (self.base, self.workspace)

    def credentials_file(self, path):
        """Write what a client needs as JSON (secret in its own 0600 file)."""
        secret = self.secret_file(os.path.join(os.path.dirname(path), "client-secret"))
        info = {"tenant": self.tenant, "client_id": self.client_id, "client_secret_file": secret,
                "authority": self.base, "token_url": self.token_url(), "scope": self.scope,
                "query_url": self.query_url(), "workspace": self.workspace,
                "ca_file": os.path.join(self.dir, "ca.pem"),
                "app_cert": os.path.join(self.dir, "app.pem"),
                "app_key": os.path.join(self.dir, "app.key"), "x5t": self.x5t}
        with open(path, "w") as f:
            json.dump(info, f, indent=1)
        return path

    # ---- limits ----
    def admit(self, client):
        """Count a query against the rate limit: None when admitted, else
        the seconds until the window has room again."""
        now = time.monotonic()
        with self.lock:
            window, limit = self.options["rate_window"], self.options["rate_limit"]
            q = self.arrivals.setdefault(client, collections.deque())
            while q and q[0] <= now - window:
                q.popleft()
            if len(q) >= limit:
                return max(q[0] + window - now, 0.0) if q else window
            q.append(now)
            return None

    def gate(self, client):
        with self.lock:
            return self.gates.setdefault(client, _Gate())

    def run_time(self, slow):
        """Seconds this query runs: the delay option (a draw when a range)
        plus a slow fault's."""
        d = self.opt("delay")
        if isinstance(d, (list, tuple)):
            with self.lock:
                d = self.rng.uniform(d[0], d[1])
        return float(d) + float(slow)

    # ---- the query ----
    def select(self, q, span, now):
        """The rows the query's filter keeps that are visible at now, in the
        order option's order, then take's cap."""
        with self.lock:
            rows = [r for r in self.tables.get(q["table"], ())
                    if r.ingest <= now and r.tg > q["tg_after"] and q["ing_after"] < r.ingest <= q["ing_upto"]
                    and (span is None or span[0] <= r.tg < span[1])]
            order = self.options["order"]
            if order == "shuffle":
                self.rng.shuffle(rows)
            else:
                rows.sort(key=lambda r: r.ingest, reverse=order == "reverse")
        return rows[: q["take"]]

    def check_names(self, q):
        """The SemanticErrors: a table the workspace lacks, a column the
        table lacks."""
        with self.lock:
            absent = self.options["absent_tables"]
            schema = self.schemas.get(q["table"]) if q["table"] in TABLES else None
        if schema is None or q["table"] in absent:
            raise semantic_error("'where' operator: Failed to resolve table or column expression named '%s'"
                                 % q["table"])
        for c in q["columns"]:
            if c not in schema and c not in HIDDEN:
                raise semantic_error("'project' operator: Failed to resolve scalar expression named '%s'" % c)
        return {c: schema.get(c) or HIDDEN[c] for c in q["columns"]}

    def answer(self, q, types, span, now, partial_keep=None, stats=False):
        """The 200 body of a query as a dict: the rows that fit the limits,
        and a PartialError when some did not (or a partial fault)."""
        rows = self.select(q, span, now)
        cols = q["columns"]
        out, size, why = [], 0, None
        max_rows, max_bytes = self.opt("max_rows"), self.opt("max_bytes")
        for r in rows:
            vals = [cell(r.recv if c == "_TimeReceived" else r.cells.get(c), types[c]) for c in cols]
            n = len(json.dumps(vals, separators=(",", ":"), ensure_ascii=False).encode()) + 1
            if len(out) >= max_rows:
                why = ("Query result set has exceeded the internal record count limit %d "
                       "(E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)" % max_rows)
                break
            if size + n > max_bytes:
                why = ("Query result set has exceeded the internal data size limit %d "
                       "(E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)" % max_bytes)
                break
            out.append(vals)
            size += n
        if partial_keep is not None and why is None:
            out = out[: partial_keep if partial_keep >= 0 else len(out) // 2]
            why = "Query execution has exceeded the allowed limits (E_RUNAWAY_QUERY; stand-in fault)"
        body = {"tables": [{"name": "PrimaryResult",
                            "columns": [{"name": c, "type": types[c]} for c in cols], "rows": out}]}
        if why:
            body["error"] = partial_error(why)
        if stats:
            body["statistics"] = {"query": {"executionTime": 0.01, "resourceUsage": {"cache": {}},
                                            "datasetStatistics": [{"tableRowCount": len(out),
                                                                   "tableSize": size}]}}
        return body


def no_access(ws):
    """403 for an app without a role on the workspace (§2.3)."""
    return QueryError(403, "InsufficientAccessError",
                      "The provided credentials have insufficient access to perform the requested operation",
                      {"code": "InsufficientAccessError",
                       "message": "The principal does not have the required role on workspace '%s'" % ws})


def partial_error(detail):
    """The error member of a partial result (§2.5)."""
    return {"code": "PartialError", "message": "There were some errors when processing your query.",
            "details": [{"code": "QueryExecutionLimitExceeded", "message": detail,
                         "innererror": {"code": "-2133196797", "message": detail,
                                        "severity": 2, "severityName": "Error"}}]}


class _Gate:
    """Per-client concurrency: limit queries run, the rest wait first come
    first served; a full queue or a long wait is a 429."""

    def __init__(self):
        self.cond = threading.Condition()
        self.running = 0
        self.peak = 0
        self.queue = collections.deque()

    def enter(self, limit, queue_limit, queue_wait, released):
        """None when this query may run, else why it may not."""
        with self.cond:
            if self.running < limit and not self.queue:
                return self._run()
            if len(self.queue) >= queue_limit:
                return "QueueLimitExceeded"
            me = object()
            self.queue.append(me)
            deadline = time.monotonic() + queue_wait
            while not (self.queue[0] is me and self.running < limit):
                left = deadline - time.monotonic()
                if left <= 0 or released.is_set():
                    self.queue.remove(me)
                    self.cond.notify_all()
                    return "QueueTimeout"
                self.cond.wait(min(left, 0.2))
            self.queue.popleft()
            self.cond.notify_all()
            return self._run()

    def _run(self):
        self.running += 1
        self.peak = max(self.peak, self.running)
        return None

    def leave(self):
        with self.cond:
            self.running -= 1
            self.cond.notify_all()


class _Handler(graph._Handler):
    """The Graph stand-in's handler (token endpoint, drops, stalls, replies)
    with the query API and this stand-in's control in place of Graph."""

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/%s/oauth2/v2.0/token" % self.si.tenant:
            return super().do_POST()
        self.t0 = time.monotonic()
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path == "/_control":
            try:
                return self.reply(200, self.si.control(json.loads(raw or b"{}")))
            except (ValueError, TypeError) as e:
                return self.reply(400, {"error": str(e)})
        if self.dropped():
            return
        m = QUERY_PATH.match(path)
        if not m:
            return self.la_error(QueryError(404, "PathNotFoundError",
                                            "The requested path does not exist"))
        try:
            self.query(urllib.parse.unquote(m.group(1)), raw)
        except QueryError as e:
            self.la_error(e)
        except Exception as e:  # a bug here, not a fault: say so loudly
            traceback.print_exc()
            self.la_error(QueryError(500, "InternalServerError", "stand-in bug: %r" % e))

    def do_GET(self):
        self.t0 = time.monotonic()
        self.la_error(QueryError(404, "PathNotFoundError", "The requested path does not exist"))

    def la_error(self, e):
        """A OneAPI error body (§2.5)."""
        err = {"message": e.message, "code": e.code, "correlationId": str(uuid.uuid4())}
        if e.inner:
            err["innererror"] = e.inner
        self.record(e.status)
        self.reply(e.status, {"error": err}, e.headers)

    def auth_failure(self):
        """The 401/403 a request's Authorization earns, or None."""
        auth = self.headers.get("Authorization")
        if not auth:
            return QueryError(401, "AuthenticationFailed",
                              "Authentication failed. The 'Authorization' header is missing.")
        tok = auth[7:] if auth.startswith("Bearer ") else ""
        with self.si.lock:
            t = self.si.tokens.get(tok)
        if not t or t[0] < time.time():
            return QueryError(403, "InvalidAuthenticationToken", "The access token is invalid.")
        if not t[1]:
            return QueryError(403, "InvalidAuthenticationTokenAudience",
                              "The access token has been obtained from wrong audience or resource "
                              "'https://graph.microsoft.com'. It should exactly match (including forward "
                              "slash) with one of the allowed audiences 'https://api.loganalytics.io'.")
        return None

    def query(self, ws, raw):
        """One query, checked in the service's order as far as it shows:
        who asks, where, how (Content-Type), faults, the rate limit, then
        the query itself; the answer, or a QueryError raised."""
        si = self.si
        e = self.auth_failure()
        if e:
            raise e
        if ws not in si.workspaces:
            raise QueryError(404, "PathNotFoundError",
                             "The requested path does not exist (workspace '%s')" % ws)
        if not si.opt("role"):
            raise no_access(ws)
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            self.record(200)
            return self.reply(200, b"")  # documented: an empty 200
        name, f = si.take_fault(*QUERY_FAULTS)
        if name == "no_role":
            raise no_access(ws)
        if self.strike(name, f):
            return
        self.throttle()
        q, span, prefs = self.request_of(raw)
        if name == "no_data" or si.opt("no_data"):
            return self.no_content()
        types = si.check_names(q)
        self.run(q, types, span, prefs, name, f)

    def strike(self, name, f):
        """Answer 429, 5xx, drop and stall faults; True when answered."""
        if name == "429":
            ra = f.get("retry_after", 1)
            raise QueryError(429, "TooManyRequests", "Too many requests. Please retry later.",
                             {"code": "ThrottledError", "message": "fault"},
                             None if ra is None else {"Retry-After": str(ra)})
        if name == "5xx":
            status = f.get("status", 503)
            code = {500: "InternalServerError", 502: "BadGateway"}.get(status, "ServiceUnavailable")
            raise QueryError(status, code, "The service is temporarily unavailable (stand-in fault).")
        if name == "drop":
            self.drop()
            return True
        if name == "stall":
            self.stall()
            return True
        return False

    def throttle(self):
        """The per-client rate limit (§2.6): 429, with or without Retry-After."""
        wait = self.si.admit(self.client_address[0])
        if wait is None:
            return
        raise QueryError(429, "TooManyRequests",
                         "Too many requests: more than %d queries in %g seconds."
                         % (self.si.opt("rate_limit"), self.si.opt("rate_window")),
                         {"code": "ThrottledError", "message": "Rate limit exceeded"},
                         self.retry_after(wait))

    def retry_after(self, auto):
        """The headers of a 429 under the retry_after option: Retry-After
        with auto (seconds, rounded up) or the option's number, or none."""
        ra = self.si.opt("retry_after")
        if ra is None:
            return None
        return {"Retry-After": str(max(1, int(auto + 0.999)) if ra == "auto" else ra)}

    def request_of(self, raw):
        """The parsed query, timespan and preferences of a request body;
        the text is kept for the tests whether or not it parses."""
        si = self.si
        try:
            body = json.loads(raw)
            text = body["query"]
            if not isinstance(text, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise bad_argument({"code": "QueryValidationError",
                                "message": "The request body must be JSON with a 'query' string."})
        prefs = parse_prefer(self.headers)
        with si.lock:
            si.queries.append((self.t0, text, body.get("timespan"), prefs))
        span = parse_timespan(body.get("timespan"), si.now_ticks())
        return parse_query(text), span, prefs

    def no_content(self):
        self.record(204)
        self.send_response(204)
        self.end_headers()

    def run(self, q, types, span, prefs, name, f):
        """Run the query within the concurrency limit for its run time; a
        run longer than its Prefer: wait is a 504."""
        si = self.si
        try:
            wait = min(int(prefs.get("wait", si.opt("default_wait"))), si.opt("max_wait"))
        except ValueError:
            wait = si.opt("default_wait")
        gate = si.gate(self.client_address[0])
        why = gate.enter(si.opt("concurrency"), si.opt("queue_limit"), si.opt("queue_wait"), si.released)
        if why:
            raise QueryError(429, "TooManyRequests", "Too many requests: the query queue is full or "
                             "the query waited too long in it.", {"code": why, "message": why},
                             self.retry_after(1))
        try:
            secs = si.run_time(f.get("seconds", 3) if name == "slow" else 0)
            if secs > wait:
                si.released.wait(wait)
                raise QueryError(504, "GatewayTimeout",
                                 "The query exceeded its time limit of %d seconds." % wait)
            si.released.wait(secs)
            keep = f.get("keep", -1) if name == "partial" else None
            stats = prefs.get("include-statistics") == "true"
            body = si.answer(q, types, span, si.now_ticks(), keep, stats)
        finally:
            gate.leave()
        applied = ["wait=%d" % wait] + (["include-statistics=true"] if stats else [])
        data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        self.record(200)
        headers = {"Preference-Applied": ",".join(applied)}
        if name == "truncated":
            return self.reply(200, data, headers, truncate=True)
        self.reply(200, data[: len(data) // 2] if name == "malformed" else data, headers)


# ---- the command line ----

def main(argv=None):
    ap = argparse.ArgumentParser(description="A loopback Log Analytics query API stand-in.")
    ap.add_argument("--rows", action="append", default=[], help="NDJSON of LA rows (repeatable)")
    ap.add_argument("--workspace", help="the workspace id (default: one from the seed)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--dir", help="where the CA, keys and credentials go (default: a new temp dir)")
    ap.add_argument("--latency", default="random", help="seconds TimeGenerated to _TimeReceived, or random")
    ap.add_argument("--ingest-delay", default="random", help="seconds to the ingestion time, or random")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rebase", action="store_true", help="move the data so it ends now")
    ap.add_argument("--rebase-by", default="TimeGenerated", choices=("TimeGenerated", "ingestion"),
                    help="which time ends now (TimeGenerated: the newest rows appear over the next minutes)")
    ap.add_argument("--absent", action="append", default=[], help="a table the workspace lacks")
    ap.add_argument("--tenant", default="contoso.example")
    ap.add_argument("--client-id", default="app-1234")
    ap.add_argument("--scope", default=SCOPE)
    a = ap.parse_args(argv)
    d = a.dir or tempfile.mkdtemp(prefix="revmon-la-")
    os.makedirs(d, exist_ok=True)
    num = lambda s: None if s == "random" else float(s)  # noqa: E731
    si = StandIn(d, workspace=a.workspace, latency=num(a.latency), ingest_delay=num(a.ingest_delay),
                 seed=a.seed, port=a.port, tenant=a.tenant, client_id=a.client_id)
    si.scope = a.scope
    n = sum(si.load(p) for p in a.rows)
    if a.rebase:
        si.rebase(by=a.rebase_by)
    si.set(absent_tables=a.absent)
    creds = si.credentials_file(os.path.join(d, "credentials.json"))
    si.start()
    print("url %s\nquery %s\nca %s\ncredentials %s\nrows %d" %
          (si.base, si.query_url(), os.path.join(d, "ca.pem"), creds, n), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        si.stop()


if __name__ == "__main__":
    main()
