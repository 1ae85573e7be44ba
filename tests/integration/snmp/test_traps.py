#!/usr/bin/env python3
"""revmon-agentx's notifications, received by a real snmptrapd through a real
snmpd (the AgentX master, trap2sink to snmptrapd), all on loopback.

  test_traps.py traps  a monitor whose file is missing, then there, then holds
                       stuck clients and a slow revocation, then recovers, then
                       goes again: exactly revmonMonitorDown, revmonMonitorUp,
                       revmonStuckClientsHigh, revmonLagP95High,
                       revmonStuckClientsNormal, revmonLagP95Normal,
                       revmonMonitorDown, with their varbinds, and nothing more
                       while a state lasts; a monitor with notify_source = no
                       and one with the thresholds off send nothing;
                       revmonThresholdTable serves the settings
  test_traps.py conf   bad notify_* keys are refused with the key and the reason

usage: test_traps.py traps|conf --revmon BIN --agent BIN --cache DIR --mibdir DIR [--keep]
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from snmpharness import run_rig, BASE, TABLE, Rig, check, gauge32, registry  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "families",
                       "two-families.ndjson")
NOTE = BASE + ".0"
THRESHOLD = BASE + ".1.4.1"
# REVMON-MIB's notifications (mibgen --objects lists them; test_mib.py checks the MIB).
DOWN, UP, STUCK_HIGH, STUCK_NORMAL, LAG_HIGH, LAG_NORMAL = (NOTE + ".%d" % i for i in range(1, 7))
NAMES = {DOWN: "revmonMonitorDown", UP: "revmonMonitorUp", STUCK_HIGH: "revmonStuckClientsHigh",
         STUCK_NORMAL: "revmonStuckClientsNormal", LAG_HIGH: "revmonLagP95High",
         LAG_NORMAL: "revmonLagP95Normal"}


def put(path, lines):
    """Replace path at once (the file source starts a replaced file over and
    drops the records it has by id), so a poll never sees half of it."""
    with open(path + ".tmp", "w") as f:
        f.writelines(lines)
    os.rename(path + ".tmp", path)


def recovery_lines(lines):
    """Two days later: dave's sessions are revoked and his client refused a
    minute after. The stuck clients have been silent for more than
    stuck_forget (a day) since, and the lag window holds only dave's
    one-minute lag."""
    records = [json.loads(ln) for ln in lines]
    audit = next(r for r in records if r["id"] == "Directory_alice")
    refused = next(r for r in records if r["id"] == "alice-refused-1")
    dave = next(r for r in records if r["id"] == "dave-ok-1")
    text = json.dumps(audit).replace(refused["userId"], dave["userId"])
    text = text.replace("alice@contoso.example", dave["userPrincipalName"]).replace("corr-alice", "corr-dave")
    # the audit time and the new StsRefreshTokensValidFrom both move
    audit = json.loads(text.replace(audit["activityDateTime"], "2026-03-06T10:00:00Z"))
    audit["id"] = "Directory_dave"
    refused = dict(refused, id="dave-refused-1", createdDateTime="2026-03-06T10:01:00Z",
                   userId=dave["userId"], userPrincipalName=dave["userPrincipalName"],
                   userDisplayName=dave["userDisplayName"])
    if "correlationId" in refused:
        refused["correlationId"] = "dave-refused-1"
    return [json.dumps(audit) + "\n", json.dumps(refused) + "\n"]


def expect(rig, path, reg):
    """stale_clients and revocation_lag_p95 as the subagent serves them for
    the file, from `revmon report --json` (None: unknown)."""
    m = rig.report("--source", "file:" + path)["metrics"]
    lag = m["revocation_lag_p95"]["value"]
    return (gauge32(m["stale_clients"]["value"], reg["stale_clients"][2]),
            None if lag is None else gauge32(lag, reg["revocation_lag_p95"][2]))


def age(rig, idx):
    oid = "%s.7.%d" % (TABLE, idx)
    return rig.get(oid).get(oid, ("", None))[1]


def wait_polls(rig, idx, n=3):
    """Until row idx has published n more polls (its revmonSourceDataAge
    falls back each time): a state that lasts has had the chance to repeat."""
    seen, last = 0, age(rig, idx)

    def polled():
        nonlocal seen, last
        a = age(rig, idx)
        if a is not None and last is not None and a < last:
            seen += 1
        last = a
        return seen >= n
    rig.wait_for("%d polls of row %d" % (n, idx), polled, step=0.05)


def wait_traps(rig, n):
    return rig.wait_for("%d notification(s)" % n, lambda: (lambda t: t if len(t) >= n else None)(rig.traps(NOTE)))


def check_traps(rig, want):
    """The notifications so far are exactly want: [(trap, [(column OID, type, value)])]."""
    got = rig.traps(NOTE)
    names = [NAMES.get(t, t) for t, _ in got]
    check([t for t, _ in got] == [t for t, _ in want],
          "notifications %s, want %s" % (names, [NAMES[t] for t, _ in want]))
    for (t, vbs), (_, wvbs) in zip(got, want):
        for (o, typ, v), (wo, wtyp, wv) in zip(vbs, wvbs):
            ok = o == wo and typ == wtyp and (wv(v) if callable(wv) else v == wv)
            check(ok, "%s: varbind %s = %s %r, want %s %s %r" % (NAMES[t], o, typ, v, wo, wtyp, wv))
        check(len(vbs) == len(wvbs), "%s: %d varbinds, want %d: %r" % (NAMES[t], len(vbs), len(wvbs), vbs))
    return names


def traps(rig, reg):
    data = os.path.join(rig.tmp, "tenant.ndjson")
    gone = os.path.join(rig.tmp, "never.ndjson")
    with open(FIXTURE) as f:
        lines = f.readlines()
    before = [ln for ln in lines if '"Directory_' not in ln and "-refused-" not in ln and "dave-ok-2" not in ln]
    cleared = lines + recovery_lines(lines)
    # The fixture must cross both thresholds, and its recovery clear them.
    for path, body in ((data + ".a", before), (data + ".b", lines), (data + ".c", cleared)):
        put(path, body)
    (s0, l0), (s1, l1), (s2, l2) = (expect(rig, data + x, reg) for x in (".a", ".b", ".c"))
    check(s0 <= 2 and l0 is None, "before the revocations: stuck %d, lag %r" % (s0, l0))
    check(s1 > 2 and l1 is not None and l1 > 600000, "the fixture: stuck %d, lag %r ms" % (s1, l1))
    check(s2 <= 1 and l2 is not None and l2 <= 600000, "after the recovery: stuck %d, lag %r ms" % (s2, l2))

    extra = "notify_stuck_clients = 2\nnotify_lag_p95 = 10m\n"
    # tenant's own clear level (1, below the threshold 2: hysteresis); the rest from the top
    rig.write_agent_conf([("tenant", "source = file:%s\npoll_interval = 300ms\nnotify_stuck_clients_clear = 1\n" % data),
                          ("quiet", "source = file:%s\npoll_interval = 300ms\nnotify_source = no\n" % gone),
                          ("steady", "source = sim\nsim_users = 300\nsim_duration = 4h\npoll_interval = 300ms\n"
                                     "notify_stuck_clients = off\nnotify_lag_p95 = off\n")], extra)
    rig.start_trapd()
    rig.start_master()
    rig.start_agent()

    st = (TABLE + ".2.1", "STRING", b"tenant")
    stat = lambda *v: (TABLE + ".3.1", "INTEGER", lambda x: x in v)  # noqa: E731
    err = (TABLE + ".4.1", "STRING", lambda x: data.encode() in x)
    stuck = lambda v: ("%s.%d.1" % (TABLE, reg["stale_clients"][1]), "Gauge32", v)  # noqa: E731
    lag = lambda v: ("%s.%d.1" % (TABLE, reg["revocation_lag_p95"][1]), "Gauge32", v)  # noqa: E731
    want = [(DOWN, [st, stat(2, 4), err])]
    wait_traps(rig, 1)
    wait_polls(rig, 1)
    wait_polls(rig, 3)
    check_traps(rig, want)
    print("ok: missing file -> revmonMonitorDown once (status down, the error names the file); "
          "nothing from 'quiet' (notify_source = no) or 'steady'")

    put(data, before)
    want.append((UP, [st, stat(1)]))
    wait_traps(rig, 2)
    wait_polls(rig, 1)
    check_traps(rig, want)
    print("ok: the file appears -> revmonMonitorUp")

    put(data, lines)
    want += [(STUCK_HIGH, [st, stuck(s1), (THRESHOLD + ".2.1", "Gauge32", 2)]),
             (LAG_HIGH, [st, lag(l1), (THRESHOLD + ".4.1", "Gauge32", 600000)])]
    wait_traps(rig, 4)
    wait_polls(rig, 1)
    check_traps(rig, want)
    print("ok: %d stuck clients > 2 -> revmonStuckClientsHigh; lag p95 %d ms > 600000 -> "
          "revmonLagP95High; not repeated over 3 polls" % (s1, l1))

    put(data, cleared)
    want += [(STUCK_NORMAL, [st, stuck(s2), (THRESHOLD + ".3.1", "Gauge32", 1)]),
             (LAG_NORMAL, [st, lag(l2), (THRESHOLD + ".5.1", "Gauge32", 600000)])]
    wait_traps(rig, 6)
    wait_polls(rig, 1)
    check_traps(rig, want)
    print("ok: %d stuck (clear level 1), lag p95 %d ms -> revmonStuckClientsNormal, revmonLagP95Normal" % (s2, l2))

    os.remove(data)
    want.append((DOWN, [st, stat(2), err]))
    wait_traps(rig, 7)
    wait_polls(rig, 1)
    names = check_traps(rig, want)
    print("ok: the file goes -> revmonMonitorDown; in all: %s" % ", ".join(names))

    cells = rig.walk(oid=THRESHOLD)
    want_t = {1: [("INTEGER", 1), ("Gauge32", 2), ("Gauge32", 1), ("Gauge32", 600000), ("Gauge32", 600000)],
              2: [("INTEGER", 2), ("Gauge32", 2), ("Gauge32", 2), ("Gauge32", 600000), ("Gauge32", 600000)],
              3: [("INTEGER", 1)]}
    for idx, cols in want_t.items():
        for c, v in enumerate(cols, 1):
            check(cells.get("%s.%d.%d" % (THRESHOLD, c, idx)) == v,
                  "revmonThresholdTable column %d row %d: %r, want %r" %
                  (c, idx, cells.get("%s.%d.%d" % (THRESHOLD, c, idx)), v))
    check(len(cells) == sum(len(c) for c in want_t.values()), "revmonThresholdTable: %r" % cells)
    print("ok: revmonThresholdTable serves each monitor's settings (off: no instance)")
    rc = rig.stop_agent()
    check(rc == 0, "SIGTERM: exit status %d" % rc)


def conf(rig, agent):
    bad = [("notify_stuck_clients = -1\n", "notify_stuck_clients: not off or a whole number"),
           ("notify_source = maybe\n", "notify_source: neither yes nor no"),
           ("notify_lag_p95 = soon\n", "notify_lag_p95: not off or a duration"),
           ("notify_lag_p95 = 5m\nnotify_lag_p95_clear = 6m\n", "notify_lag_p95_clear: above notify_lag_p95"),
           ("notify_stuck_clients_clear = 3\n", "notify_stuck_clients_clear: set while notify_stuck_clients is off"),
           ("[x]\nsource = sim\nnotify_stuck_clients = 1.5\n", "notify_stuck_clients: not off or a whole number")]
    path = os.path.join(rig.tmp, "bad.conf")
    for body, msg in bad:
        with open(path, "w") as f:
            f.write(body + ("" if "[x]" in body else "[x]\nsource = sim\n"))
        r = subprocess.run([agent, "-t", "-c", path], capture_output=True, text=True, timeout=30)
        check(r.returncode == 2 and msg in r.stderr, "%r: status %d, %r" % (body, r.returncode, r.stderr))
    with open(path, "w") as f:
        f.write("notify_stuck_clients = 5\nnotify_lag_p95 = 5m\nnotify_lag_p95_clear = 2m\n[x]\nsource = sim\n"
                "notify_stuck_clients = off\nnotify_source = no\n")
    r = subprocess.run([agent, "-t", "-c", path], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "a good file refused: %s" % r.stderr)
    print("ok: %d bad notify_* settings refused with the key and the reason; a good one accepted" % len(bad))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["traps", "conf"])
    ap.add_argument("--revmon", required=True)
    ap.add_argument("--agent", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--mibdir", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    rig = Rig(None, args.revmon, args.agent, args.cache, args.mibdir)
    if args.what == "traps":
        run_rig(rig, lambda: traps(rig, registry(args.revmon)),
                logs=("agent.log", "snmpd.log", "traps.log"), keep=args.keep)
    run_rig(rig, lambda: conf(rig, args.agent), keep=args.keep)


if __name__ == "__main__":
    main()
