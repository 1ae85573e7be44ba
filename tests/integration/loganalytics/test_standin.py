#!/usr/bin/env python3
"""Tests of the Log Analytics stand-in itself (standin.py), so that the
C source's tests can trust it: the token endpoint and its scope, the query
grammar and its ingestion-time windows, take, visibility by ingestion time,
the value serialisation, every error body, every fault, partial results,
429s, 504, the control API and the command line. Python and openssl only.

usage: test_standin.py [REVMON]   (with revmon: also the simulator's rows)
"""
import base64
import http.client
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
from standin import SCOPE, TICKS, StandIn, kusto_time, to_ticks  # noqa: E402
from tally import Tally  # noqa: E402

REVMON = sys.argv[1] if len(sys.argv) > 1 else None
FIXTURE = os.path.join(HERE, "..", "..", "fixtures", "shapes", "la_row_objects.json")
TMP = tempfile.mkdtemp(prefix="revmon-la-standin-")
TALLY = Tally()
check = TALLY.check
BASE = to_ticks("2026-01-05T10:00:00Z") // TICKS   # the data's clock, in seconds
TENANT = "366bc6a4-5df0-4f1b-a06e-a73cb41056c3"
DT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$")
SIGNIN_COLS = ["TimeGenerated", "_TimeReceived", "CreatedDateTime", "Id", "UserId", "IsInteractive",
               "ResultType", "Status", "DeviceDetail", "LocationDetails",
               "AuthenticationProcessingDetails", "SessionId", "DurationMs", "Type"]


# ---- rows shaped like revmon simulate --shape la ----

def iso(seconds, frac="1170000"):
    """BASE + seconds as the simulator writes a datetime (7 digits)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(BASE + seconds)) + "." + frac + "Z"


def signin(table, n, at):
    """A sign-in row of table, TimeGenerated BASE+at; JSON-bearing columns
    as objects in SigninLogs, as text in the non-interactive table."""
    non = table == "AADNonInteractiveUserSignInLogs"
    status = {"errorCode": 50173 if n % 2 else 0, "failureReason": "Other.", "additionalDetails": None}
    device = {"deviceId": "", "operatingSystem": "Ios", "isCompliant": False}
    text = lambda v: json.dumps(v) if non else v  # noqa: E731
    return {"TenantId": TENANT, "SourceSystem": "Azure AD", "TimeGenerated": iso(at), "Type": table,
            "Category": "NonInteractiveUserSignInLogs" if non else "SignInLogs",
            "OperationName": "Sign-in activity", "ResultType": str(status["errorCode"]),
            "ResultDescription": "Other.", "Id": "%s-%d" % (table[:6], n),
            "CreatedDateTime": iso(at - 90, "6955459"), "UserId": "user-%d" % n,
            "IsInteractive": not non, "DurationMs": 0, "Status": text(status),
            "DeviceDetail": text(device), "LocationDetails": None,
            "AuthenticationProcessingDetails": '[{"key": "Is CAE Token", "value": "False"}]',
            "SessionId": None, "IPAddress": "192.0.2.%d" % n}


def audit(n, at):
    return {"TenantId": TENANT, "SourceSystem": "Azure AD", "TimeGenerated": iso(at), "Type": "AuditLogs",
            "OperationName": "Update user", "Id": "Directory_%d" % n, "Category": "UserManagement",
            "Result": "success", "ResultReason": "", "ActivityDisplayName": "Update user",
            "ActivityDateTime": iso(at - 30, "0019739"), "LoggedByService": "Core Directory",
            "InitiatedBy": {"user": {"userPrincipalName": "admin@contoso.example"}},
            "TargetResources": '[{"id":"u1","type":"User","modifiedProperties":[]}]',
            "AdditionalDetails": []}


def populate(si):
    """Ten rows a minute apart in each sign-in table and five audits, each
    received 120 s after TimeGenerated and ingested 3 s after that."""
    for i in range(10):
        si.add_row(signin("SigninLogs", i, i * 60), latency=120, ingest_delay=3)
        si.add_row(signin("AADNonInteractiveUserSignInLogs", i, i * 60 + 5), latency=120, ingest_delay=3)
    for i in range(5):
        si.add_row(audit(i, i * 60), latency=120, ingest_delay=3)


def ingest_of(i):
    """The ingestion time of SigninLogs row i, as the KQL literal."""
    return iso(i * 60 + 123)


# ---- talking to it ----

def kql(table, cols, t0, t1, t2, n=1000, sep="\n"):
    return ("%s%s| where TimeGenerated > datetime(%s) and ingestion_time() > datetime(%s) and "
            "ingestion_time() <= datetime(%s)%s| project %s%s| take %d"
            % (table, sep, t0, t1, t2, sep, ", ".join(cols), sep, n))


def everything(table, cols=("Id",), n=1000):
    return kql(table, cols, iso(-86400), iso(-86400), iso(86400), n)


def call(url, body, headers, timeout=10):
    """(status, headers, body bytes), or ("error", exception, None)."""
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, context=CTX, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        return "error", e, None


def token(scope=SCOPE, **form):
    f = {"grant_type": "client_credentials", "client_id": SI.client_id, "scope": scope}
    f.update(form or {"client_secret": SI.secret})
    st, _, body = call(SI.token_url(), urllib.parse.urlencode(f).encode(),
                       {"Content-Type": "application/x-www-form-urlencoded"})
    return st, json.loads(body) if body else None


def query(text, timespan=None, ws=None, tok=None, ctype="application/json", prefer=None, timeout=10):
    """POST a query as revmon's source does; (status, headers, body)."""
    h = {"Authorization": "Bearer " + (tok or TOKEN)}
    if tok == "":
        h = {}
    if ctype:
        h["Content-Type"] = ctype
    if prefer:
        h["Prefer"] = prefer
    body = {"query": text}
    if timespan:
        body["timespan"] = timespan
    url = "%s/v1/workspaces/%s/query" % (SI.base, ws or SI.workspace)
    return call(url, json.dumps(body).encode(), h, timeout)


def jquery(text, **kw):
    st, h, body = query(text, **kw)
    return st, (json.loads(body) if body else None), h


def rows_of(doc):
    return doc["tables"][0]["rows"] if doc and doc.get("tables") else None


def ids(doc):
    return [r[0] for r in rows_of(doc) or ()]


def error_of(doc):
    return (doc or {}).get("error", {})


def control(cmd):
    st, _, body = call(SI.base + "/_control", json.dumps(cmd).encode(), {"Content-Type": "application/json"})
    return st, json.loads(body) if body else None


def fresh():
    """Between tests: defaults, no faults, the clock an hour after the data."""
    SI.reset()
    SI.set_now(BASE + 3600, frozen=True)


# ---- the tests ----

def test_token():
    """The v2 token endpoint answers for the Log Analytics scope only."""
    st, doc = token()
    check(st == 200 and doc.get("token_type") == "Bearer" and doc.get("access_token"),
          "client secret: a bearer token (%s)" % st)
    st, doc = token(scope=SI.base + "/.default")
    check(st == 400 and doc.get("error") == "invalid_scope" and doc.get("error_codes") == [70011]
          and doc["error_description"].startswith("AADSTS70011"),
          "another scope: 400 invalid_scope, AADSTS70011 (%s %s)" % (st, doc))
    st, doc = token(client_secret="wrong")
    check(st == 401 and doc.get("error") == "invalid_client", "a wrong secret: 401 invalid_client")
    now = int(time.time())
    st, doc = token(client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    client_assertion=assertion({"aud": SI.token_url(), "iss": SI.client_id,
                                                "sub": SI.client_id, "exp": now + 300, "nbf": now,
                                                "jti": str(uuid.uuid4())}))
    check(st == 200 and doc.get("access_token"), "RS256 client assertion: a token (%s %s)" % (st, doc))
    st, _, _ = jquery(everything("SigninLogs"), tok=doc["access_token"])
    check(st == 200, "the assertion's token queries (%s)" % st)


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def assertion(claims):
    """A client assertion signed with the app's key, as revmon makes one."""
    head = b64(json.dumps({"alg": "RS256", "typ": "JWT", "x5t": SI.x5t}).encode())
    signing = "%s.%s" % (head, b64(json.dumps(claims).encode()))
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", os.path.join(SI.dir, "app.key")],
                         input=signing.encode(), capture_output=True, check=True).stdout
    return signing + "." + b64(sig)


def test_windows():
    """The ingestion-time window is (T1, T2], TimeGenerated > T0 on top."""
    fresh()
    st, doc, h = jquery(kql("SigninLogs", ["Id"], iso(-3600), ingest_of(2), ingest_of(5)))
    check(st == 200 and ids(doc) == ["Signin-3", "Signin-4", "Signin-5"],
          "(ingest of row 2, ingest of row 5] gives rows 3-5 (%s %s)" % (st, ids(doc)))
    check(h.get("Content-Type", "").startswith("application/json"), "answered as JSON")
    st, doc, _ = jquery(kql("SigninLogs", ["Id"], iso(4 * 60), ingest_of(2), ingest_of(5)))
    check(ids(doc) == ["Signin-5"], "TimeGenerated > T0 narrows it (%s)" % ids(doc))
    st, doc, _ = jquery(kql("SigninLogs", ["Id"], iso(-3600), iso(8 * 60), iso(9 * 60), sep=" "))
    check(ids(doc) == ["Signin-6"], "one line, single spaces: the same grammar (%s)" % ids(doc))
    st, doc, _ = jquery(everything("AuditLogs"))
    check(ids(doc) == ["Directory_%d" % i for i in range(5)], "AuditLogs rows (%s)" % ids(doc))
    st, doc, _ = jquery(everything("SigninLogs"), timespan="%s/%s" % (iso(60), iso(180)))
    check(ids(doc) == ["Signin-1", "Signin-2"], "the body's timespan [start, end) on TimeGenerated (%s)"
          % ids(doc))
    st, doc, _ = jquery(everything("SigninLogs"), timespan="%s/PT2M" % iso(60))
    check(ids(doc) == ["Signin-1", "Signin-2"], "start/duration timespan (%s)" % ids(doc))
    st, doc, _ = jquery(everything("AADNonInteractiveUserSignInLogs", n=3))
    check(ids(doc) == ["AADNon-0", "AADNon-1", "AADNon-2"], "take 3 caps the rows, oldest ingested first")
    st, doc, _ = jquery(everything("SigninLogs", n=0))
    check(st == 200 and rows_of(doc) == [], "take 0: no rows")
    texts = SI.query_texts()
    check(texts[-1] == everything("SigninLogs", n=0), "the last query text is kept")


def test_visibility():
    """A row is invisible until its ingestion time passes on the clock."""
    fresh()
    SI.set_now(to_ticks(ingest_of(5)) / TICKS - 1, frozen=True)
    st, doc, _ = jquery(everything("SigninLogs"))
    check(ids(doc) == ["Signin-%d" % i for i in range(5)], "a second before row 5's ingestion: rows 0-4")
    SI.advance(1)
    st, doc, _ = jquery(everything("SigninLogs"))
    check(ids(doc)[-1:] == ["Signin-5"] and len(ids(doc)) == 6, "at its ingestion time: row 5 too")
    SI.set_now(None)  # real time: a row ingested 1.5 s from now appears by itself
    now = time.time()
    live = signin("SigninLogs", 99, 0)
    live["TimeGenerated"] = kusto_time(int((now - 60) * TICKS))
    SI.add_row(live, latency=58.5, ingest_delay=3)
    tg_after = kusto_time(int((now - 120) * TICKS))
    q = kql("SigninLogs", ["Id"], tg_after, tg_after, kusto_time(int((now + 600) * TICKS)))
    st, doc, _ = jquery(q)
    check(ids(doc) == [], "real clock: not yet visible (%s)" % ids(doc))
    time.sleep(1.7)
    st, doc, _ = jquery(q)
    check(ids(doc) == ["Signin-99"], "real clock: visible once ingested (%s)" % ids(doc))
    with SI.lock:
        SI.tables["SigninLogs"] = [r for r in SI.tables["SigninLogs"] if r.cells["Id"] != "Signin-99"]


def test_serialisation():
    """Values as the API writes them (§2.4), parsed back with json."""
    fresh()
    st, doc, _ = jquery(kql("SigninLogs", SIGNIN_COLS, iso(-3600), ingest_of(0), ingest_of(1)))
    t = doc["tables"][0]
    types = {c["name"]: c["type"] for c in t["columns"]}
    check(t["name"] == "PrimaryResult" and [c["name"] for c in t["columns"]] == SIGNIN_COLS,
          "one PrimaryResult table, the projected columns in order")
    check(types == {"TimeGenerated": "datetime", "_TimeReceived": "datetime", "CreatedDateTime": "datetime",
                    "Id": "string", "UserId": "string", "IsInteractive": "bool", "ResultType": "string",
                    "Status": "dynamic", "DeviceDetail": "dynamic", "LocationDetails": "dynamic",
                    "AuthenticationProcessingDetails": "string", "SessionId": "string",
                    "DurationMs": "long", "Type": "string"}, "SigninLogs column types (%s)" % types)
    row = dict(zip(SIGNIN_COLS, t["rows"][0]))
    check(row["TimeGenerated"] == iso(60).replace("1170000", "117"), "a datetime loses its trailing zeros: %s"
          % row["TimeGenerated"])
    check(all(DT.match(row[c]) for c in ("TimeGenerated", "_TimeReceived", "CreatedDateTime")),
          "datetimes: ISO 8601, Z, 1-7 digit fraction (%s)" % row["CreatedDateTime"])
    check(row["_TimeReceived"] == kusto_time(to_ticks(iso(60)) + 120 * TICKS),
          "_TimeReceived = TimeGenerated + latency (%s)" % row["_TimeReceived"])
    check(row["IsInteractive"] is True and row["DurationMs"] == 0 and isinstance(row["DurationMs"], int),
          "bool as true/false, long as a number")
    check(row["ResultType"] == "50173", "ResultType a string (%r)" % row["ResultType"])
    check(isinstance(row["Status"], str) and json.loads(row["Status"])["errorCode"] == 50173,
          "dynamic Status: a string of JSON text")
    check(row["LocationDetails"] is None, "an empty dynamic: null")
    check(row["SessionId"] == "", "an empty string: \"\"")
    check(json.loads(row["AuthenticationProcessingDetails"])[0]["key"] == "Is CAE Token",
          "AuthenticationProcessingDetails: string of JSON text")
    st, doc, _ = jquery(everything("AADNonInteractiveUserSignInLogs", ["Status", "DeviceDetail", "IPAddress"]))
    t = doc["tables"][0]
    check([c["type"] for c in t["columns"]] == ["string", "string", "string"],
          "non-interactive Status/DeviceDetail are string columns")
    check(json.loads(t["rows"][0][0])["errorCode"] == 0 and t["rows"][0][2] == "192.0.2.0",
          "their cells JSON text; an undocumented column from the rows (IPAddress)")
    st, doc, _ = jquery(everything("AuditLogs", ["ActivityDateTime", "InitiatedBy", "TargetResources",
                                                 "AdditionalDetails", "ResultReason"]))
    t = doc["tables"][0]
    r = t["rows"][0]
    check([c["type"] for c in t["columns"]] == ["datetime", "dynamic", "dynamic", "dynamic", "string"]
          and r[0] == iso(-30, "0019739") and json.loads(r[1])["user"] and json.loads(r[2])[0]["id"] == "u1"
          and r[3] == "[]" and r[4] == "", "AuditLogs: datetime, dynamic as text, empty string (%s)" % r)


def test_content_type():
    """Without Content-Type: application/json the API answers an empty 200."""
    fresh()
    st, h, body = query(everything("SigninLogs"), ctype=None)
    check(st == 200 and body == b"", "no Content-Type: 200, empty body (%s %r)" % (st, body[:40]))
    st, h, body = query(everything("SigninLogs"), ctype="text/plain")
    check(st == 200 and body == b"", "text/plain: 200, empty body")
    st, h, body = query(everything("SigninLogs"), ctype="application/json; charset=utf-8")
    check(st == 200 and body, "application/json with a charset: answered")


def expect_error(what, status, code, doc, st, inner=None):
    e = error_of(doc)
    ok = st == status and e.get("code") == code and e.get("message")
    if inner:
        ok = ok and e.get("innererror", {}).get("code") == inner
    check(ok, "%s: %s %s%s (%s %s)" % (what, status, code, "/" + inner if inner else "", st,
                                         json.dumps(doc)[:300]))
    return e


def test_errors():
    """Each documented error, with its OneAPI body."""
    fresh()
    q = everything("SigninLogs")
    st, doc, _ = jquery(q, ws="00000000-0000-0000-0000-000000000000")
    expect_error("unknown workspace", 404, "PathNotFoundError", doc, st)
    st, doc, _ = jquery(q, tok="")
    expect_error("no Authorization", 401, "AuthenticationFailed", doc, st)
    st, doc, _ = jquery(q, tok="eyJnotatoken")
    expect_error("an unknown token", 403, "InvalidAuthenticationToken", doc, st)
    SI.fault("token_audience")
    _, tdoc = token()
    st, doc, _ = jquery(q, tok=tdoc["access_token"])
    expect_error("a token for another audience", 403, "InvalidAuthenticationTokenAudience", doc, st)
    SI.fault("no_role")
    st, doc, _ = jquery(q)
    expect_error("no role (fault)", 403, "InsufficientAccessError", doc, st)
    st, doc, _ = jquery(q)
    check(st == 200, "the fault was one query's")
    SI.set(role=False)
    st, doc, _ = jquery(q)
    expect_error("no role (option)", 403, "InsufficientAccessError", doc, st)
    SI.set(role=True)
    test_syntax_errors()
    test_semantic_errors()


def test_syntax_errors():
    """Anything but the one shape is a 400 SyntaxError, with a position."""
    good = everything("SigninLogs")
    bad = {"limit for take": good.replace("| take", "| limit"),
           ">= for >": good.replace("TimeGenerated >", "TimeGenerated >="),
           "an extra clause": good + "\n| order by TimeGenerated",
           "a lower-case keyword": good.replace("| where", "| Where"),
           "a datetime without Z": good.replace("Z)", ")", 1),
           "two spaces": good.replace("| project", "|  project"),
           "no take": good.rsplit("\n", 1)[0],
           "summarize": "SigninLogs | summarize count()"}
    tokens = {"limit for take": "limit", ">= for >": "=", "an extra clause": "|", "a lower-case keyword": "Where",
              "a datetime without Z": "2026-01-04T10:00:00.1170", "two spaces": "project", "no take": "<EOF>",
              "summarize": "summarize"}
    for what, text in bad.items():
        st, doc, _ = jquery(text)
        e = expect_error("syntax: " + what, 400, "BadArgumentError", doc, st, "SyntaxError")
        detail = e.get("innererror", {}).get("innererror", {})
        check(e.get("message") == "The request had some invalid properties" and
              "line [" in detail.get("message", "") and detail.get("token") == tokens[what],
              "syntax: %s: says where (%s)" % (what, detail.get("message")))
    st, doc, _ = call_raw(b"{not json")
    expect_error("a body that is not JSON", 400, "BadArgumentError", doc, st)
    st, doc, _ = jquery(good, timespan="yesterday")
    expect_error("a bad timespan", 400, "BadArgumentError", doc, st)


def call_raw(body):
    st, h, b = call("%s/v1/workspaces/%s/query" % (SI.base, SI.workspace), body,
                    {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    return st, json.loads(b) if b else None, h


def test_semantic_errors():
    """A table the workspace lacks, an unknown table or column: SemanticError."""
    SI.set(absent_tables=["AADNonInteractiveUserSignInLogs"])
    st, doc, _ = jquery(everything("AADNonInteractiveUserSignInLogs"))
    e = expect_error("a table diagnostic settings do not send", 400, "BadArgumentError", doc, st,
                     "SemanticError")
    check(e["innererror"]["message"] == "'where' operator: Failed to resolve table or column expression "
          "named 'AADNonInteractiveUserSignInLogs'", "... named in the documented words")
    SI.set(absent_tables=[])
    st, doc, _ = jquery(everything("AADNonInteractiveUserSignInLogs"))
    check(st == 200, "the table back: answered")
    st, doc, _ = jquery(everything("signinlogs"))
    expect_error("a table name in the wrong case", 400, "BadArgumentError", doc, st, "SemanticError")
    st, doc, _ = jquery(everything("SigninLogs", ["Id", "NoSuchColumn"]))
    e = expect_error("an unknown column", 400, "BadArgumentError", doc, st, "SemanticError")
    check("'NoSuchColumn'" in e["innererror"]["message"], "... naming it (%s)" % e["innererror"]["message"])
    st, doc, _ = jquery(everything("SigninLogs", ["SignInEventTypes"]))
    expect_error("a non-interactive column in SigninLogs", 400, "BadArgumentError", doc, st, "SemanticError")


def test_faults():
    """The network and service faults, one query each."""
    fresh()
    q = everything("SigninLogs")
    for status in (503, 500, 502):
        SI.fault("5xx", status=status)
        st, doc, _ = jquery(q)
        check(st == status and error_of(doc).get("code"), "5xx fault: %d with a OneAPI body" % status)
    SI.fault("drop")
    st, e, _ = query(q)
    check(st == "error", "drop: the connection closes unanswered (%r)" % (e,))
    SI.fault("stall")
    t = time.monotonic()
    st, e, _ = query(q, timeout=1)
    check(st == "error" and time.monotonic() - t >= 0.9, "stall: no answer within 1 s (%r)" % (e,))
    SI.fault("slow", seconds=1.0)
    t = time.monotonic()
    st, doc, _ = jquery(q)
    check(st == 200 and time.monotonic() - t >= 1.0, "slow: the answer after 1 s")
    SI.fault("truncated")
    st, e, _ = query(q)
    check(st == "error", "truncated: the body cut, the connection closed (%r)" % (e,))
    SI.fault("malformed")
    st, h, body = query(q)
    check(st == 200 and not valid_json(body), "malformed: a 200 that is not JSON")
    SI.fault("no_data")
    st, h, body = query(q)
    check(st == 204 and body == b"", "no data (fault): 204, empty body (%s)" % st)
    SI.set(no_data=True)
    st, h, body = query(q)
    check(st == 204 and body == b"", "no data (option): 204")
    SI.set(no_data=False)
    SI.fault("5xx", count=2, every=2)
    sts = [query(q)[0] for _ in range(4)]
    check(sts == [200, 503, 200, 503], "every=2: every second query (%s)" % sts)


def valid_json(b):
    try:
        json.loads(b)
        return True
    except ValueError:
        return False


def test_partial():
    """Row and byte limits, and the partial fault: 200 with rows and a PartialError."""
    fresh()
    q = everything("SigninLogs", SIGNIN_COLS)
    SI.set(max_rows=3)
    st, doc, _ = jquery(q)
    e = error_of(doc)
    check(st == 200 and len(rows_of(doc)) == 3 and e.get("code") == "PartialError"
          and e["details"][0]["code"] == "QueryExecutionLimitExceeded" and "record count" in e["details"][0]["message"],
          "max_rows 3: 200, 3 rows, PartialError (%s)" % json.dumps(e)[:200])
    SI.set(max_rows=500000, max_bytes=2000)
    st, doc, _ = jquery(q)
    n = len(rows_of(doc))
    size = sum(len(json.dumps(r, separators=(",", ":")).encode()) + 1 for r in rows_of(doc))
    check(st == 200 and 0 < n < 10 and size <= 2000 and error_of(doc).get("code") == "PartialError"
          and "data size" in error_of(doc)["details"][0]["message"], "max_bytes 2000: %d rows fit, PartialError" % n)
    SI.set(max_bytes=100 * 1024 * 1024)
    st, doc, _ = jquery(q)
    check(len(rows_of(doc)) == 10 and "error" not in doc, "within the limits: every row, no error member")
    SI.fault("partial", keep=4)
    st, doc, _ = jquery(q)
    check(st == 200 and len(rows_of(doc)) == 4 and error_of(doc).get("code") == "PartialError",
          "partial fault: 4 rows and a PartialError")
    SI.fault("partial")
    st, doc, _ = jquery(q)
    check(len(rows_of(doc)) == 5, "partial fault: half the rows by default")


def test_rate_limit():
    """Queries per window per client: 429 past the limit, with or without
    Retry-After; the window frees up."""
    fresh()
    q = everything("SigninLogs")
    SI.set(rate_limit=0)
    st, h, _ = query(q)
    check(st == 429 and h.get("Retry-After"), "rate_limit 0: every query a 429 (%s)" % st)
    SI.reset()
    SI.set(rate_limit=3, rate_window=1.5)
    sts = [query(q)[0] for _ in range(3)]
    st, doc, h = jquery(q)
    expect_error("the 4th query in the window", 429, "TooManyRequests", doc, st)
    check(sts == [200] * 3 and h.get("Retry-After") in ("1", "2"), "Retry-After by default (%s)"
          % h.get("Retry-After"))
    SI.set(retry_after=None)
    st, doc, h = jquery(q)
    check(st == 429 and h.get("Retry-After") is None, "retry_after None: a 429 without Retry-After")
    SI.set(retry_after=7)
    st, doc, h = jquery(q)
    check(st == 429 and h.get("Retry-After") == "7", "retry_after 7: Retry-After: 7")
    time.sleep(1.6)
    st, doc, _ = jquery(q)
    check(st == 200, "after the window: answered again")
    SI.fault("429", retry_after=None)
    st, doc, h = jquery(q)
    check(st == 429 and h.get("Retry-After") is None, "429 fault without Retry-After")
    SI.fault("429", retry_after=3)
    st, doc, h = jquery(q)
    check(st == 429 and h.get("Retry-After") == "3", "429 fault with Retry-After: 3")


def parallel(n, **kw):
    """n queries at once; their statuses, sorted."""
    out = []

    def one():
        out.append(query(everything("SigninLogs"), **kw)[0])
    ts = [threading.Thread(target=one) for _ in range(n)]
    for t in ts:
        t.start()
        time.sleep(0.05)
    for t in ts:
        t.join()
    return sorted(out, key=str)


def test_concurrency():
    """Concurrency limit: excess queued, 429 past the queue's size or wait."""
    fresh()
    SI.set(concurrency=1, queue_limit=1, delay=0.6)
    sts = parallel(3)
    check(sts == [200, 200, 429], "1 running, 1 queued, the 3rd refused (%s)" % sts)
    check(SI.gate("127.0.0.1").peak == 1, "never more than 1 running")
    SI.set(queue_limit=5, queue_wait=0.3)
    sts = parallel(2)
    check(sts == [200, 429], "a query queued longer than queue_wait: 429 (%s)" % sts)
    SI.set(concurrency=5, delay=[0.2, 0.4])
    t = time.monotonic()
    sts = parallel(5)
    check(sts == [200] * 5 and time.monotonic() - t < 1.5, "5 at once within the default concurrency")


def test_timeout():
    """A query running past its Prefer: wait is a 504; statistics on request."""
    fresh()
    SI.set(delay=1.5)
    t = time.monotonic()
    st, doc, _ = jquery(everything("SigninLogs"), prefer="wait=1")
    check(st == 504 and error_of(doc).get("code") == "GatewayTimeout" and 0.9 < time.monotonic() - t < 1.5,
          "1.5 s query, wait=1: 504 after 1 s (%s)" % st)
    st, doc, h = jquery(everything("SigninLogs"), prefer="wait=3, include-statistics=true")
    check(st == 200 and h.get("Preference-Applied") == "wait=3,include-statistics=true"
          and "statistics" in doc, "wait=3: 200, Preference-Applied, statistics (%s)" % h.get("Preference-Applied"))
    SI.set(delay=0.0, default_wait=0)
    SI.fault("slow", seconds=0.2)
    st, doc, _ = jquery(everything("SigninLogs"))
    check(st == 504, "default_wait 0 and a slow query: 504")


def test_control():
    """The same switches over HTTPS, and the counts a test asserts on."""
    fresh()
    n0 = len(SI.requests)
    st, doc = control({"fault": "5xx", "count": 1, "params": {"status": 500}})
    check(st == 200 and "requests" in doc and "queries" in doc, "POST /_control answers")
    st, _, _ = query(everything("SigninLogs"))
    check(st == 500, "a fault set over HTTPS strikes (%s)" % st)
    st, doc = control({"options": {"max_rows": 2}, "now": iso(3600), "frozen": True})
    check(doc["options"]["max_rows"] == 2 and doc["now"] == iso(3600).replace("1170000", "117"),
          "options and the clock over HTTPS (%s)" % doc["now"])
    st, doc = control({"options": {"no_such_option": 1}})
    check(st == 400, "an unknown option: 400")
    st, doc = control({"reset": True, "fault": "clear"})
    check(doc["options"]["max_rows"] == 500000, "reset: the defaults back")
    paths = [p for p, _, _ in SI.requests[n0:]]
    times = [t for _, t, _ in SI.requests[n0:]]
    check(paths and all(p == "/v1/workspaces/%s/query" % SI.workspace for p in paths)
          and times == sorted(times), "requests counted with their arrival times")
    check(SI.count("/v1/workspaces/") >= len(paths) and SI.max_in_window(30.0) >= 1,
          "count() by path prefix, max_in_window() of queries")


def test_rebase():
    """Rebase moves the data to end now, every timestamp in a row alike."""
    fresh()
    before = {r.cells["Id"]: (r.tg, r.cells.get("CreatedDateTime")) for r in SI.all_rows()}
    end = BASE + 7200
    delta = SI.rebase(end)
    newest = max(r.tg for r in SI.all_rows())
    check((end - 1) * TICKS < newest <= end * TICKS, "the newest TimeGenerated just before the end")
    r = next(x for x in SI.all_rows() if x.cells["Id"] == "Signin-0")
    check(r.tg - before["Signin-0"][0] == delta * TICKS and
          to_ticks(r.cells["CreatedDateTime"]) - to_ticks(before["Signin-0"][1]) == delta * TICKS
          and r.cells["TimeGenerated"].endswith(".1170000Z"),
          "every timestamp moved by the same whole seconds, fractions kept")
    SI.rebase(by="ingestion")  # the newest ingested at now: everything visible at once
    st, doc, _ = jquery(wide("SigninLogs"))
    check(len(ids(doc)) == 10, "rebased to now by ingestion: all visible (%d)" % len(ids(doc)))
    SI.rebase(iso(545))  # back where populate() put them
    check(max(r.tg for r in SI.all_rows()) == to_ticks(iso(545)), "and back")


def wide(table, cols=("Id",)):
    """A query over all times."""
    return kql(table, cols, "2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z")


def test_load():
    """Rows as revmon's simulator writes them load and answer (run last:
    it adds rows to the stand-in's tables)."""
    fresh()
    n = SI.load(FIXTURE)
    r = SI.tables["AADNonInteractiveUserSignInLogs"][-1]
    lat, dly = (r.recv - r.tg) / TICKS, (r.ingest - r.recv) / TICKS
    check(n == 1 and r.cells["Id"] == "66ea54eb-0000-4ee5-be62-ff5a759b0100", "the la_row_objects fixture loads")
    check(60 <= lat <= 600 and 2 <= dly <= 8, "default latency 1-10 min (%.0f s), ingestion 2-8 s later (%.1f s)"
          % (lat, dly))
    if not REVMON:
        print("(no revmon given: the simulator's rows are not loaded)")
        return
    path = os.path.join(TMP, "sim.ndjson")
    subprocess.run([REVMON, "simulate", "--shape", "la", "--set", "sim_users=40", "--set", "sim_duration=2h",
                    "--set", "sim_mass_revocation=1h", "--out", path], check=True, capture_output=True)
    with open(path) as f:
        sim = [json.loads(x) for x in f if x.strip()]
    check(SI.load(path) == len(sim), "the simulator's %d rows load" % len(sim))
    SI.rebase(by="ingestion")
    for t in ("SigninLogs", "AADNonInteractiveUserSignInLogs", "AuditLogs"):
        want = {x["Id"] for x in sim if x["Type"] == t}
        st, doc, _ = jquery(wide(t, ["Id", "TimeGenerated", "_TimeReceived", "Type"]))
        got = rows_of(doc) or []
        check(st == 200 and want and want <= {x[0] for x in got} and len(got) == len(SI.tables[t])
              and all(x[3] == t and DT.match(x[1]) and DT.match(x[2]) for x in got),
              "%s: all %d of the simulator's rows answered" % (t, len(want)))


def test_cli():
    """python3 standin.py prints its URL, CA and credentials, and serves."""
    d = os.path.join(TMP, "cli")
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "standin.py"), "--rows", FIXTURE,
                          "--port", "0", "--dir", d, "--rebase", "--rebase-by", "ingestion",
                          "--latency", "5", "--ingest-delay", "1"],
                         stdout=subprocess.PIPE, text=True)
    try:
        info = dict(p.stdout.readline().strip().split(" ", 1) for _ in range(5))
        with open(info["credentials"]) as f:
            creds = json.load(f)
        with open(creds["client_secret_file"]) as f:
            secret = f.read().strip()
        ctx = ssl.create_default_context(cafile=info["ca"])
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": creds["client_id"],
                                       "client_secret": secret, "scope": creds["scope"]}).encode()
        with urllib.request.urlopen(creds["token_url"], form, context=ctx, timeout=10) as r:
            tok = json.load(r)["access_token"]
        body = json.dumps({"query": wide("AADNonInteractiveUserSignInLogs",
                                         ["Id", "TimeGenerated", "_TimeReceived"])}).encode()
        req = urllib.request.Request(info["query"], body, {"Authorization": "Bearer " + tok,
                                                           "Content-Type": "application/json"})
        t = time.monotonic()
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            rows = json.load(r)["tables"][0]["rows"]
        check(info["rows"] == "1" and [x[0] for x in rows] == ["66ea54eb-0000-4ee5-be62-ff5a759b0100"],
              "the command line serves its rows over verified HTTPS (%s)" % rows)
        check(time.monotonic() - t < 2 and to_ticks(rows[0][2]) - to_ticks(rows[0][1]) == 5 * TICKS,
              "--latency 5: _TimeReceived 5 s after TimeGenerated, and the answer not delayed by it")
        check(os.stat(creds["client_secret_file"]).st_mode & 0o077 == 0, "the secret file is private")
    finally:
        p.terminate()
        p.wait(timeout=10)


SI = StandIn(TMP, workspace="8b4c0000-0000-0000-0000-00000000aaaa")
populate(SI)
SI.start()
CTX = ssl.create_default_context(cafile=os.path.join(TMP, "ca.pem"))
TOKEN = None
try:
    st, tdoc = token()
    TOKEN = tdoc["access_token"]
    for fn in (test_token, test_windows, test_visibility, test_serialisation, test_content_type,
               test_errors, test_faults, test_partial, test_rate_limit, test_concurrency, test_timeout,
               test_control, test_rebase, test_cli, test_load):
        TALLY.run(fn)
finally:
    SI.stop()
sys.exit(TALLY.summary())
