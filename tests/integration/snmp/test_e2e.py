#!/usr/bin/env python3
"""revmon-agentx under a real snmpd AgentX master on loopback.

  test_e2e.py query       every column of every row equals `revmon report
                          --json` through snmpget, snmpwalk, snmpbulkwalk and
                          snmptable (MIB loaded); SNMPv1 skips Counter64; SET
                          is refused; SIGTERM exits 0
  test_e2e.py resilience  master kill -9 and restart; a failing source shows
                          in its own row only; SIGHUP reload keeps unchanged
                          monitors and their counters
  test_e2e.py families    revmonFamilyTable through snmpwalk, snmpbulkwalk,
                          snmpgetnext and snmptable (MIB loaded): the
                          families fixture's rows and values, GETNEXT order
                          across both index levels (monitor, family), a row
                          with no family, SNMPv1 without the Counter64

usage: test_e2e.py query|resilience|families --revmon BIN --agent BIN --cache DIR --mibdir DIR [--keep]
"""
import argparse
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from snmpharness import (run_rig, FAMILY, SCALAR, TABLE, Rig, check, check_families,  # noqa: E402
                         check_row, family_columns, family_rows, registry, shown)

FAMILIES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "families")

SIM = ["sim_users=300", "sim_duration=4h"]


def sim_section(sets, extra=""):
    return "source = sim\n" + "".join("%s = %s\n" % tuple(s.split("=", 1)) for s in sets) + extra


def col(reg, metric):
    return reg[metric][1]


def wait_rows(rig, reg, rows):
    """Wait until every (idx, events_ingested) row is up with all events in."""
    ev = col(reg, "events_ingested")

    def ready():
        oids = []
        for idx, _ in rows:
            oids += ["%s.3.%d" % (TABLE, idx), "%s.%d.%d" % (TABLE, ev, idx)]
        cells = rig.get(*oids)
        for idx, want in rows:
            if cells.get("%s.3.%d" % (TABLE, idx)) != ("INTEGER", 1):
                return False
            if cells.get("%s.%d.%d" % (TABLE, ev, idx)) != ("Counter64", want):
                return False
        return True
    rig.wait_for("rows up with every event ingested", ready)


def dynamic(oid):
    """Cells that change by themselves between two reads (ages, uptime)."""
    return oid in (SCALAR + ".2.0", SCALAR + ".3.0") or oid.startswith(TABLE + ".7.")


def query(rig, reg):
    fixture = os.path.join(rig.tmp, "PT1H.json")
    rig.simulate(fixture, *SIM)
    exp_sim = rig.report("--source", "sim", *sum((["--set", s] for s in SIM), []))
    exp_file = rig.report("--source", "file:" + fixture)
    # The simulator row polls once (a long interval): its values are those of
    # report's single poll. The file row re-polls, and stays at the end of the file.
    rig.write_agent_conf([("simulated", sim_section(SIM, "poll_interval = 1h\n")),
                          ("replayed", "source = file:%s\npoll_interval = 1s\n" % fixture)])
    rig.start_master()
    rig.start_agent()
    ev = lambda e: int(e["metrics"]["events_ingested"]["value"])  # noqa: E731
    wait_rows(rig, reg, [(1, ev(exp_sim)), (2, ev(exp_file))])
    rows = [(1, "simulated", exp_sim), (2, "replayed", exp_file)]

    walk = rig.walk("snmpwalk")
    for idx, name, e in rows:
        check_row(walk, idx, name, e, reg)
    check(walk[SCALAR + ".4.0"] == ("Gauge32", 2), "revmonAgentSources: %r" % (walk.get(SCALAR + ".4.0"),))
    check(walk[SCALAR + ".1.0"][1].startswith(b"revmon-agentx "), "version: %r" % (walk[SCALAR + ".1.0"],))
    print("ok: snmpwalk: %d cells, both rows equal revmon report --json" % len(walk))

    bulk = rig.walk("snmpbulkwalk")
    check(sorted(bulk) == sorted(walk), "snmpbulkwalk and snmpwalk return different OIDs")
    for oid in walk:
        check(dynamic(oid) or bulk[oid] == walk[oid], "bulkwalk %s: %r vs walk %r" % (oid, bulk[oid], walk[oid]))
    for idx, name, e in rows:
        check_row(bulk, idx, name, e, reg)
    print("ok: snmpbulkwalk: same %d cells" % len(bulk))

    # snmpget of every cell of every row, known or not (a few per request).
    oids = ["%s.%d.%d" % (TABLE, c, idx) for idx in (1, 2) for c in range(2, 10)]
    oids += ["%s.%d.%d" % (TABLE, c, idx) for idx in (1, 2) for (_, c, _) in reg.values()]
    got = {}
    for i in range(0, len(oids), 20):
        got.update(rig.get(*oids[i:i + 20]))
    for idx, name, e in rows:
        check_row(got, idx, name, e, reg)
    unknown = [m for m, v in exp_sim["metrics"].items() if v["value"] is None]
    check(unknown, "the fixture has no unknown gauge to check")
    for m in unknown:
        check(got["%s.%d.1" % (TABLE, col(reg, m))] == ("EXCEPTION", "No Such Instance currently exists at this OID"),
              "unknown %s: %r" % (m, got["%s.%d.1" % (TABLE, col(reg, m))]))
    print("ok: snmpget: %d cells; unknown gauges (%s) are noSuchInstance" % (len(oids), ", ".join(unknown)))

    # Symbolic names with the MIB loaded.
    r = rig.tool("snmpget", "REVMON-MIB::revmonAgentSources.0", "REVMON-MIB::revmonSourceName.2",
                 "REVMON-MIB::revmonSigninsInteractive.1", mib=True, fmt=("-OQ", "-OU"))
    want_si = int(exp_sim["metrics"]["signins_interactive"]["value"])
    check("REVMON-MIB::revmonAgentSources.0 = 2" in r.stdout and "revmonSourceName.2 = replayed" in r.stdout
          and "revmonSigninsInteractive.1 = %d" % want_si in r.stdout, "snmpget with the MIB:\n" + r.stdout)

    # snmptable with the MIB loaded: every column by its descriptor.
    r = rig.tool("snmptable", "-Ci", "-Cf", "|", "REVMON-MIB::revmonSourceTable", mib=True, fmt=("-OU", "-Oe"))
    lines = [ln for ln in r.stdout.splitlines() if "|" in ln]
    head = lines[0].split("|")
    table = {int(ln.split("|")[0]): dict(zip(head, ln.split("|"))) for ln in lines[1:]}
    check(sorted(table) == [1, 2], "snmptable rows: %r" % sorted(table))
    for idx, name, e in rows:
        t = table[idx]
        check(t["revmonSourceName"] == name and t["revmonSourceStatus"] == "1", "snmptable row %d: %r" % (idx, t))
        for m, (kind, c, scale) in reg.items():
            d = "revmon" + "".join(p[:1].upper() + p[1:] for p in m.split("_"))
            v = e["metrics"][m]["value"]
            want = "?" if v is None else shown(kind, v, scale)
            check(t.get(d) == want, "snmptable row %d %s: %r, want %r" % (idx, d, t.get(d), want))
    print("ok: snmptable (MIB loaded): %d columns x %d rows" % (len(head) - 1, len(table)))

    # SNMPv1 has no Counter64: those cells are skipped, everything else is there.
    v1 = rig.walk("snmpwalk", version="1")
    want_v1 = {o for o, (t, _) in walk.items() if t != "Counter64"}
    check(set(v1) == want_v1, "SNMPv1 walk: missing %s, extra %s" %
          (sorted(want_v1 - set(v1))[:5], sorted(set(v1) - want_v1)[:5]))
    check(all(t != "Counter64" for t, _ in v1.values()), "Counter64 in an SNMPv1 walk")
    print("ok: SNMPv1 walk: %d cells, the %d Counter64 skipped" % (len(v1), len(walk) - len(v1)))

    # Read-only.
    for oid, val in ((SCALAR + ".4.0", ["u", "5"]), ("%s.%d.1" % (TABLE, col(reg, "signins")), ["u", "1"]),
                     (TABLE + ".2.1", ["s", "x"])):
        r = rig.tool("snmpset", oid, *val, check_rc=False)
        check(r.returncode != 0 and ("notWritable" in r.stderr + r.stdout or "noAccess" in r.stderr + r.stdout),
              "SET %s was not refused: %s%s" % (oid, r.stdout, r.stderr))
    print("ok: SET refused")

    rc = rig.stop_agent()
    check(rc == 0, "SIGTERM: exit status %d\n%s" % (rc, rig.log("agent.log")))
    print("ok: SIGTERM -> exit 0")


def resilience(rig, reg):
    fixture = os.path.join(rig.tmp, "PT1H.json")
    late = os.path.join(rig.tmp, "late.json")
    rig.simulate(fixture, *SIM)
    exp_sim = rig.report("--source", "sim", *sum((["--set", s] for s in SIM), []))
    exp_file = rig.report("--source", "file:" + fixture)
    ticking = sim_section(["sim_users=50", "sim_duration=2h", "sim_step=600"], "poll_interval = 300ms\n")
    sections = [("steady", sim_section(SIM, "poll_interval = 1h\n")),
                ("replayed", "source = file:%s\npoll_interval = 300ms\n" % fixture),
                ("ticking", ticking),
                ("doomed", sim_section(["sim_users=20", "sim_duration=1h"], "poll_interval = 1h\n")),
                ("late", "source = file:%s\npoll_interval = 300ms\n" % late)]
    rig.write_agent_conf(sections)
    rig.start_master()
    rig.start_agent()
    ev = lambda e: int(e["metrics"]["events_ingested"]["value"])  # noqa: E731
    wait_rows(rig, reg, [(1, ev(exp_sim)), (2, ev(exp_file))])

    # A source that cannot be read shows in its own row; the others are untouched.
    st = rig.get(TABLE + ".3.5", TABLE + ".4.5")
    check(st[TABLE + ".3.5"][1] in (2, 4) and late.encode() in st[TABLE + ".4.5"][1],
          "row late: %r" % st)
    os.rename(fixture, fixture + ".away")
    rig.wait_for("row 2 down", lambda: rig.get(TABLE + ".3.2")[TABLE + ".3.2"] == ("INTEGER", 2))
    cells = rig.walk()
    check(fixture.encode() in cells[TABLE + ".4.2"][1], "row 2 error: %r" % (cells[TABLE + ".4.2"],))
    check_row(cells, 1, "steady", exp_sim, reg)
    # The values ingested so far stay; only the source health metrics move.
    check_row(cells, 2, "replayed", exp_file, reg, status=2,
              skip=("source_up", "source_errors", "source_throttled"))
    print("ok: failing source: row 2 down (%s), row 5 status %d, row 1 unaffected" %
          (cells[TABLE + ".4.2"][1].decode(), st[TABLE + ".3.5"][1]))
    os.rename(fixture + ".away", fixture)
    rig.simulate(late, "sim_users=20", "sim_duration=1h")
    rig.wait_for("rows 2 and 5 up", lambda: all(
        v == ("INTEGER", 1) for v in rig.get(TABLE + ".3.2", TABLE + ".3.5").values()))
    print("ok: both back up once their files are there")

    # kill -9 the master and restart it: the subagent is back within seconds.
    rig.kill_master()
    time.sleep(1.5)
    t0 = time.time()
    rig.start_master()
    rig.wait_for("the subagent after the master restart",
                 lambda: rig.get(SCALAR + ".4.0", check_rc=False).get(SCALAR + ".4.0") == ("Gauge32", 5),
                 timeout=20)
    took = time.time() - t0
    check(took < 8, "subagent answered %.1f s after the master restart" % took)
    check_row(rig.walk(), 1, "steady", exp_sim, reg)
    print("ok: master kill -9 + restart: subagent answers again %.1f s after the restart" % took)

    # SIGHUP: change "replayed", drop "doomed", add "added"; keep "steady" and "ticking".
    ingested, opened = col(reg, "events_ingested"), 9
    before = rig.walk()
    t3 = before["%s.8.3" % TABLE][1]
    rig.write_agent_conf([sections[0], ("replayed", sections[1][1] + "window = 10m\n"), sections[2],
                          ("added", sim_section(["sim_users=20", "sim_duration=1h"], "poll_interval = 1h\n")),
                          sections[4]])
    time.sleep(1)  # the re-opened row's opening time must differ
    rig.agent.send_signal(signal.SIGHUP)

    def reloaded():
        c = rig.walk()
        return c if ("%s.2.6" % TABLE in c and "%s.2.4" % TABLE not in c and
                     c.get("%s.3.2" % TABLE) == ("INTEGER", 1) and
                     c.get("%s.%d.2" % (TABLE, ingested)) == ("Counter64", ev(exp_file))) else None
    after = rig.wait_for("the reload", reloaded)
    check(after[SCALAR + ".4.0"] == ("Gauge32", 5), "rows after reload: %r" % (after[SCALAR + ".4.0"],))
    check(after["%s.2.6" % TABLE] == ("STRING", b"added"), "new row: %r" % (after["%s.2.6" % TABLE],))
    check(after["%s.%d.1" % (TABLE, opened)] == before["%s.%d.1" % (TABLE, opened)],
          "unchanged row 1 was re-opened")
    check_row(after, 1, "steady", exp_sim, reg)
    check(after["%s.%d.3" % (TABLE, opened)] == before["%s.%d.3" % (TABLE, opened)],
          "unchanged row 3 was re-opened")
    # Its counters went on: the simulated clock and the event count only grew.
    check(after["%s.8.3" % TABLE][1] > t3 and
          after["%s.%d.3" % (TABLE, ingested)][1] >= before["%s.%d.3" % (TABLE, ingested)][1],
          "row 3 counters restarted: %r -> %r" % (before["%s.%d.3" % (TABLE, ingested)],
                                                  after["%s.%d.3" % (TABLE, ingested)]))
    check(after["%s.%d.2" % (TABLE, opened)][1] > before["%s.%d.2" % (TABLE, opened)][1],
          "changed row 2 was not re-opened")
    print("ok: SIGHUP: row 2 re-opened, rows 1 and 3 kept with their counters, row 4 gone, row 6 added")

    rc = rig.stop_agent()
    check(rc == 0, "SIGTERM: exit status %d\n%s" % (rc, rig.log("agent.log")))
    print("ok: SIGTERM -> exit 0")


def families(rig, reg, mibdir):
    fixture = os.path.join(FAMILIES, "two-families.ndjson")
    with open(os.path.join(FAMILIES, "two-families.expect.json")) as f:
        expect = json.load(f)["families"]
    fcols = family_columns(mibdir)
    quiet = os.path.join(rig.tmp, "quiet.ndjson")
    with open(fixture) as f, open(quiet, "w") as out:
        out.writelines(ln for ln in f if '"dave' in ln)  # the bystander only: no stale activity
    n_quiet = sum(1 for _ in open(quiet))
    exp_sim = rig.report("--source", "sim", *sum((["--set", s] for s in SIM), []))
    rig.write_agent_conf([("simulated", sim_section(SIM, "poll_interval = 1h\n")),
                          ("families", "source = file:%s\npoll_interval = 1s\n" % fixture),
                          ("quiet", "source = file:%s\npoll_interval = 1s\n" % quiet)])
    rig.start_master()
    rig.start_agent()
    ev = int(exp_sim["metrics"]["events_ingested"]["value"])
    wait_rows(rig, reg, [(1, ev), (2, sum(1 for _ in open(fixture))), (3, n_quiet)])

    walk = rig.walk("snmpwalk", FAMILY)
    check(all(o.startswith(FAMILY + ".") for o in walk), "walk left the table")
    check_families(walk, 2, expect, fcols)
    sim_rows = family_rows(walk, 1)
    check(len(sim_rows) >= 2, "the simulator's row has %d families" % len(sim_rows))
    check(not family_rows(walk, 3), "the quiet monitor has families: %r" % family_rows(walk, 3))
    # GETNEXT order: column, then monitor, then family (snmpwalk itself
    # refuses OIDs that do not increase).
    keys = [tuple(int(x) for x in o[len(FAMILY) + 1:].split(".")) for o in walk]
    check(keys == sorted(keys), "cells out of order")
    check(len(walk) == sum(len(c) for c in family_rows(walk).values()), "duplicate cells")
    print("ok: snmpwalk revmonFamilyTable: %d cells; row 2 equals the fixture, row 1 has %d "
          "families, row 3 none" % (len(walk), len(sim_rows)))

    bulk = rig.walk("snmpbulkwalk", FAMILY)
    check(bulk == walk, "snmpbulkwalk and snmpwalk differ")
    print("ok: snmpbulkwalk: the same %d cells" % len(bulk))

    # GETNEXT across the index levels: past row 1's last family to row 2's
    # first, past row 2's last to the next column's row 1.
    col = fcols["stale_clients"][0]
    last1 = max(f for (r, f) in sim_rows)
    fams2 = sorted(f for (r, f) in family_rows(walk, 2))
    for start, want in (("%s.%d" % (FAMILY, col), "%s.%d.1.%d" % (FAMILY, col, min(f for (_, f) in sim_rows))),
                        ("%s.%d.1.%d" % (FAMILY, col, last1), "%s.%d.2.%d" % (FAMILY, col, fams2[0])),
                        ("%s.%d.1.4294967295" % (FAMILY, col), "%s.%d.2.%d" % (FAMILY, col, fams2[0])),
                        ("%s.%d.2.%d" % (FAMILY, col, fams2[-1]),
                         "%s.%d.1.%d" % (FAMILY, col + 1, min(f for (_, f) in sim_rows)))):
        got = rig.tool("snmpgetnext", start).stdout.split(" = ")[0]
        check(got == want, "GETNEXT %s: %s, want %s" % (start, got, want))
    got = rig.get("%s.%d.2.%d" % (FAMILY, col, fams2[0]), "%s.%d.2.999" % (FAMILY, col),
                  "%s.%d.3.2" % (FAMILY, col), "%s.1.2.%d" % (FAMILY, fams2[0]))
    check(got["%s.%d.2.999" % (FAMILY, col)][0] == "EXCEPTION" and
          "Instance" in got["%s.%d.2.999" % (FAMILY, col)][1], "GET of no family: %r" % got)
    check("Object" in got["%s.1.2.%d" % (FAMILY, fams2[0])][1], "GET of the index: %r" % got)
    print("ok: snmpgetnext crosses monitor and family levels; GET of a missing family is "
          "noSuchInstance, of the index noSuchObject")

    r = rig.tool("snmptable", "-Ci", "-Cf", "|", "REVMON-MIB::revmonFamilyTable", mib=True,
                 fmt=("-OU", "-Oe"))
    lines = [ln for ln in r.stdout.splitlines() if "|" in ln]
    head = lines[0].split("|")
    table = {ln.split("|")[0]: dict(zip(head, ln.split("|"))) for ln in lines[1:]}
    for label, e in expect.items():
        rows = [t for i, t in table.items() if i.startswith("2.") and t["revmonFamilyLabel"] == label]
        check(len(rows) == 1, "snmptable: %s in %d rows" % (label, len(rows)))
        for metric, want in e["values"].items():
            d = "revmonFamily" + "".join(p[:1].upper() + p[1:] for p in metric.split("_"))
            check(rows[0].get(d) == str(want), "snmptable %s %s: %r" % (label, d, rows[0].get(d)))
    check(len(table) == len(family_rows(walk)), "snmptable: %d rows" % len(table))
    print("ok: snmptable (MIB loaded): %d family rows, INDEX { revmonSourceIndex, "
          "revmonFamilyIndex }" % len(table))

    v1 = rig.walk("snmpwalk", FAMILY, version="1")
    want_v1 = {o for o, (t, _) in walk.items() if t != "Counter64"}
    check(set(v1) == want_v1, "SNMPv1 walk of the family table: %d cells, want %d" % (len(v1), len(want_v1)))
    print("ok: SNMPv1 walk: %d cells, the Counter64 column skipped" % len(v1))
    rc = rig.stop_agent()
    check(rc == 0, "SIGTERM: exit status %d" % rc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["query", "resilience", "families"])
    ap.add_argument("--revmon", required=True)
    ap.add_argument("--agent", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--mibdir", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    rig = Rig(None, args.revmon, args.agent, args.cache, args.mibdir)
    reg = registry(args.revmon)
    if args.what == "families":
        run_rig(rig, lambda: families(rig, reg, args.mibdir), keep=args.keep)
    run_rig(rig, lambda: {"query": query, "resilience": resilience}[args.what](rig, reg), keep=args.keep)


if __name__ == "__main__":
    main()
