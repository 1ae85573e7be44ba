#!/usr/bin/env python3
"""A stuck client's gauge does not flap under collectd (issue 15).

The real collectd reads revmon.so blocks on file sources that this script
appends to while the daemon runs (a followed file: not a complete replay).

* Block "retry" (retry.ndjson): client X (user, app, device) is revoked
  (an "Update StsRefreshTokenValidFrom Timestamp" audit), is refused once
  within stuck_after (not stuck yet), then, from more than stuck_after
  after the revocation, presents the revoked grant (50173, failureReason
  naming the TokensValidFrom) every 17 minutes of event time, one refusal
  per step. Between two refusals another user's successful sign-in moves
  event time 9 minutes past X's last refusal, so a read sees X "between
  retries" (the old 5-minute window flapped 0/1 there). stale_clients must
  be 0 before the first stuck refusal and 1 at every read after it, read
  by read (csv, joined with events_ingested by time stamp) and by getval
  at every step, for at least 8 reads between retries; X's successful
  sign-in then drops it to 0.
* Blocks "forget2h" (StuckForget "2h") and "forgetday" (the default day),
  both on silent.ndjson: client Y is revoked, refused twice past
  stuck_after, then silent while another user's sign-ins move event time
  on by 17 minutes a step. Y stays counted in both until event time is
  2 h past its last refusal; then "forget2h" forgets it (0) and
  "forgetday" still counts it (1).

usage: test_stuck_stable.py --revmon R --plugin revmon.so --collectd D --collectdctl C [--preload ASAN]
Exits 0 when all passed, 77 when the daemon cannot run here."""
import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import collectd_daemon  # noqa: E402
from tally import Tally  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--revmon")
ap.add_argument("--plugin", required=True)
ap.add_argument("--collectd", required=True)
ap.add_argument("--collectdctl", required=True)
ap.add_argument("--preload")
opts = ap.parse_args()
for tool in (opts.collectd, opts.plugin, opts.collectdctl):
    if not os.path.exists(tool):
        print("skipped: %s not found" % tool)
        sys.exit(77)

TALLY = Tally()
check = TALLY.check
TMP = tempfile.mkdtemp(prefix="revmon-stuck-")
T0 = datetime.datetime(2026, 3, 4, 9, 0, 0, tzinfo=datetime.timezone.utc)  # the revocations
OUTLOOK = ("27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook for iOS and Android", "Ios 18.2.1")
STEPS = 10          # X's stuck refusals
GAP = 17            # minutes of event time between two of them
FIRST_STUCK = 70    # minutes after the revocation (stuck_after is 1 h)
BETWEEN = 9         # minutes after a refusal, the other user's sign-in
SILENT_LAST = 80    # Y's last refusal, minutes after the revocation


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def at(minutes):
    return T0 + datetime.timedelta(minutes=minutes)


def signin(rid, user, uid, t, code=0, device="", revoked=None):
    """A non-interactive sign-in of user's Outlook on device; code 50173
    with the failure text naming the TokensValidFrom (revoked)."""
    reason = "Other."
    if code:
        reason = ("The provided grant has expired due to it being revoked, a fresh auth token is "
                  "needed. The user might have changed or reset their password. The grant was "
                  "issued on '%s' and the TokensValidFrom date (before which tokens are not valid) "
                  "for this user is '%s'." % (iso(T0 - datetime.timedelta(days=1)), iso(revoked)))
    app_id, app, osname = OUTLOOK
    return {"id": rid, "createdDateTime": iso(t), "userDisplayName": user.title(),
            "userPrincipalName": user + "@contoso.example", "userId": uid, "appId": app_id,
            "appDisplayName": app, "clientAppUsed": "Mobile Apps and Desktop clients",
            "isInteractive": False, "signInEventTypes": ["nonInteractiveUser"],
            "deviceDetail": {"deviceId": device, "operatingSystem": osname},
            "status": {"errorCode": code, "failureReason": reason, "additionalDetails": None},
            "authenticationProcessingDetails": [{"key": "Is CAE Token", "value": "False"}]}


def audit(rid, user, uid, t):
    return {"id": rid, "category": "UserManagement", "correlationId": "corr-" + rid,
            "result": "success", "resultReason": "",
            "activityDisplayName": "Update StsRefreshTokenValidFrom Timestamp",
            "activityDateTime": iso(t), "loggedByService": "Core Directory", "operationType": "Update",
            "initiatedBy": {"app": None, "user": {"id": "admin", "userPrincipalName": "admin@contoso.example"}},
            "targetResources": [{"id": uid, "type": "User", "userPrincipalName": user + "@contoso.example",
                                 "modifiedProperties": [{"displayName": "StsRefreshTokensValidFrom",
                                                         "oldValue": "[\"2025-10-01T00:34:24Z\"]",
                                                         "newValue": "[\"%s\"]" % iso(t)}]}],
            "additionalDetails": []}


X = ("xavier", "00000000-0000-0000-0000-000000000701", "1f0c7a52-3b1e-4c55-9e0a-0000000007a1")
Y = ("yvonne", "00000000-0000-0000-0000-000000000702", "1f0c7a52-3b1e-4c55-9e0a-0000000007b2")
Z = ("zack", "00000000-0000-0000-0000-000000000703", "1f0c7a52-3b1e-4c55-9e0a-0000000007c3")


def of(who, rid, minutes, code=0):
    user, uid, dev = who
    return signin(rid, user, uid, at(minutes), code, dev, T0 if code else None)


class Feed:
    """A file the daemon follows, and what each record count should show."""

    def __init__(self, name):
        self.path = os.path.join(TMP, name)
        self.n = 0
        open(self.path, "w").close()

    def append(self, *recs):
        # One write of whole lines: the reader never sees half a record.
        data = "".join(json.dumps(r) + "\n" for r in recs).encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        self.n += len(recs)
        return self.n


retry = Feed("retry.ndjson")
silent = Feed("silent.ndjson")
# X: known before, revoked at T0, refused at +10 min (within stuck_after).
retry.append(of(X, "x-ok-0", -30), audit("dir-x", X[0], X[1], T0), of(X, "x-ref-early", 10, 50173))
NOT_STUCK_UNTIL = retry.n
# Y: known before, revoked at T0, refused past stuck_after twice, then silent.
silent.append(of(Y, "y-ok-0", -30), audit("dir-y", Y[0], Y[1], T0),
              of(Y, "y-ref-0", SILENT_LAST - 15, 50173), of(Y, "y-ref-1", SILENT_LAST, 50173))

blocks = "".join("""  <Source "%s">
    Source "file:%s"
    Interval 1
%s  </Source>
""" % (name, path, extra) for name, path, extra in (
    ("retry", retry.path, ""),
    ("forget2h", silent.path, "    StuckForget \"2h\"\n"),
    ("forgetday", silent.path, "")))

d = collectd_daemon.Daemon(os.path.join(TMP, "collectd"), opts.collectd, opts.collectdctl,
                           opts.plugin, blocks, preload=opts.preload)


def ingested(block):
    rows = d.csv_values(block, "derive", "events_ingested")
    return rows[-1] if rows else -1


def reads(block):
    """[(events_ingested, stale_clients)] of every read, oldest first."""
    n = {t: v for t, v in d.csv_rows(block, "derive", "events_ingested")}
    return [(n[t], v) for t, v in d.csv_rows(block, "count", "stale_clients") if t in n]


def settled(*want):
    """Wait for reads that have ingested the given counts ((block, count)
    pairs) and one more read of each after them (so that getval and the
    csv's last line are those reads' or later)."""
    for block, count in want:
        d.wait("%s: a read with %d records" % (block, count), lambda: ingested(block) == count, 20)
    ks = [(block, len(d.csv_rows(block, "count", "stale_clients"))) for block, _ in want]
    for block, k in ks:
        d.wait("%s: the next read" % block, lambda: len(d.csv_rows(block, "count", "stale_clients")) > k, 10)


def stale(block):
    return d.metric(block, "stale_clients", "count")


try:
    d.wait_socket()
    settled(("retry", retry.n), ("forget2h", silent.n), ("forgetday", silent.n))
    check(stale("retry") == 0, "retry: a refusal within stuck_after is not stuck (getval %s)" % stale("retry"))
    check(stale("forget2h") == 1 and stale("forgetday") == 1,
          "silent: Y refused past stuck_after is stuck (%s, %s)" % (stale("forget2h"), stale("forgetday")))

    # ---- X retries every 17 min; another user's sign-in between retries ----
    first_stuck = None
    getvals = []
    silent_seen = []   # (minutes of event time, forget2h, forgetday)
    for i in range(STEPS):
        t = FIRST_STUCK + GAP * i
        n = retry.append(of(X, "x-ref-%d" % i, t, 50173))
        first_stuck = first_stuck or n
        # Y silent: event time moves on 17 min
        e = SILENT_LAST + GAP * (i + 1)
        s = silent.append(of(Z, "zs-ok-%d" % i, e))
        settled(("retry", n), ("forget2h", s), ("forgetday", s))
        getvals.append(("refusal +%d min" % t, stale("retry")))
        silent_seen.append((e, stale("forget2h"), stale("forgetday")))
        settled(("retry", retry.append(of(Z, "z-ok-%d" % i, t + BETWEEN))))
        getvals.append(("%d min after it" % BETWEEN, stale("retry")))
    check(all(v == 1 for _, v in getvals),
          "retry: getval stale_clients 1 at every step, at the refusals and between them: %s"
          % " ".join("%g" % (v if v is not None else -1) for _, v in getvals))

    # ---- every read, from the csv ----
    rs = reads("retry")
    before = [v for n, v in rs if n < first_stuck]
    stuck = [v for n, v in rs if n >= first_stuck]
    between = [v for n, v in rs if n >= first_stuck + 1 and (n - first_stuck) % 2 == 1]
    check(before and all(v == 0 for v in before),
          "retry: 0 at every read before the first stuck refusal (%d reads)" % len(before))
    check(len(stuck) >= 2 * STEPS and all(v == 1 for v in stuck),
          "retry: 1 at every one of the %d reads after the first stuck refusal, no 0 between retries "
          "(values seen: %s)" % (len(stuck), sorted(set(stuck))))
    check(len(between) >= 8 and all(v == 1 for v in between),
          "retry: 1 at the %d reads %d min after a refusal (event time past a 5-minute window)"
          % (len(between), BETWEEN))

    # ---- X signs in again: 0 ----
    last = FIRST_STUCK + GAP * (STEPS - 1) + BETWEEN
    n_ok = retry.append(of(X, "x-ok-1", last + 3))
    settled(("retry", n_ok))
    settled(("retry", n_ok))
    after = [v for n, v in reads("retry") if n >= n_ok]
    check(len(after) >= 2 and all(v == 0 for v in after) and stale("retry") == 0,
          "retry: X's successful sign-in drops stale_clients to 0 (%d reads: %s)"
          % (len(after), sorted(set(after))))

    # ---- Y, stuck then silent ----
    want2h = [(e, 1 if e - SILENT_LAST < 120 else 0) for e, _, _ in silent_seen]
    check([(e, f) for e, f, _ in silent_seen] == want2h,
          "forget2h: Y counted while event time is under 2 h past its last refusal, forgotten after: %s"
          % " ".join("+%d:%s" % (e, f) for e, f, _ in silent_seen))
    check(all(day == 1 for _, _, day in silent_seen),
          "forgetday: Y still counted at +%d min (stuck_forget a day)" % silent_seen[-1][0])
    for block, forget in (("forget2h", True), ("forgetday", False)):
        rs = reads(block)
        flips = sum(1 for a, b in zip(rs, rs[1:]) if a[1] != b[1])
        check(rs and rs[-1][1] == (0 if forget else 1) and flips == (1 if forget else 0),
              "%s: every read, %s (%d reads, %d changes)"
              % (block, "1 then 0 once" if forget else "1 throughout", len(rs), flips))
    log = d.log()
    check("source down" not in log, "no source went down")
    check(d.stop() == 0, "SIGTERM ends collectd with 0")
except AssertionError as e:
    check(False, str(e)[:3000])
finally:
    if d.proc.poll() is None:
        d.stop()

if TALLY.failures:
    print("kept", TMP)
else:
    shutil.rmtree(TMP, ignore_errors=True)
sys.exit(TALLY.summary())
