#!/usr/bin/env python3
"""Fault injection for the long-running adapters.

  test_faults.py collectd --revmon BIN --plugin SO --collectd BIN --collectdctl BIN [--preload LIB]
  test_faults.py snmp     --revmon BIN --agent BIN

Two blocks/rows: "steady" (the simulator, moving at every read) and
"victim" (file:PATH). The victim's path in turn

  * HANGS: a FIFO nobody writes (open() of a FIFO blocks without O_NONBLOCK),
  * returns GARBAGE: random bytes, then truncated JSON,
  * DISAPPEARS and COMES BACK,

and after each fault gets a fresh export (another simulator seed, so new
record ids). Throughout, the steady block/row keeps reporting fresh values,
the daemon stays up, the victim's reads keep completing within their budget
(the FIFO is a source with nothing to give: collectd keeps writing its values),
it reports its source down when the file is gone, and it recovers: source up
with more events ingested (a poll stuck in open() on the FIFO never would).
SIGHUP (subagent) and SIGTERM are sent while the FIFO is in place.

A third block/row, "loopy", reads a directory with two symbolic links to
itself (2^33 paths): its reads must complete, count every record once, log
the loop once, and SIGTERM must still stop the daemon.

Prints one line per phase; exit 0 when all passed, 77 when a tool is missing."""
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SKIP, adapter_args, Collectd, Fail, agent_registry, check, run_on_rig, simulate  # noqa: E402

ap = adapter_args()
ap.add_argument("what", choices=["collectd", "snmp"])
opts = ap.parse_args()

SEED = [100]


def fresh_export(path):
    """A new export at path (new inode, new ids), atomically."""
    SEED[0] += 1
    tmp = path + ".new"
    simulate(opts.revmon, tmp, "sim_users=40", "sim_duration=30m", "sim_seed=%d" % SEED[0])
    os.replace(tmp, path)


def garbage(path, kind):
    tmp = path + ".new"
    with open(tmp, "wb") as f:
        if kind == "random":
            f.write(os.urandom(256 * 1024))
        else:  # truncated JSON: a Graph page cut in the middle of a record
            simulate(opts.revmon, tmp + ".g", "sim_users=40", "sim_duration=30m",
                     "sim_seed=%d" % (SEED[0] + 1000), shape="graph")
            with open(tmp + ".g", "rb") as g:
                data = g.read()
            os.unlink(tmp + ".g")
            f.write(data[: len(data) // 2])
    os.replace(tmp, path)


def hang(path):
    """Put a FIFO nobody writes at path."""
    fifo = path + ".fifo"
    os.mkfifo(fifo)
    os.replace(fifo, path)


PHASES = ("hang", "random", "truncated", "gone")


def loop_tree(tmp):
    """A directory of one export with two links to itself."""
    tree = os.path.join(tmp, "loopy")
    os.makedirs(tree)
    simulate(opts.revmon, os.path.join(tree, "export.json"), "sim_users=40", "sim_duration=30m",
             "sim_seed=7")
    os.symlink(".", os.path.join(tree, "s1"))
    os.symlink(".", os.path.join(tree, "s2"))
    return tree


# ---- collectd ---------------------------------------------------------------

def collectd_main(tmp):
    victim = os.path.join(tmp, "victim.json")
    fresh_export(victim)
    loopy = loop_tree(tmp)
    blocks = f"""
  <Source "steady">
    Source "sim"
    Interval 1
    SimUsers 50
    sim_duration "12h"
    sim_step 60
  </Source>
  <Source "victim">
    Source "file:{victim}"
    Interval 1
    ReadBudget 0.5
  </Source>
  <Source "loopy">
    Source "file:{loopy}"
    Interval 1
    ReadBudget 0.5
  </Source>"""
    d = Collectd(tmp, opts.collectd, opts.collectdctl, opts.plugin, blocks, preload=opts.preload)
    ok = False
    try:
        def up(block):
            return d.metric(block, "source_up")

        def ingested():
            rows = d.csv_rows("victim", "derive", "events_ingested")
            return rows[-1][1] if rows else 0

        def steady_fresh(since):
            """The steady block wrote new, moving values after since."""
            rows = [r for r in d.csv_rows("steady", "derive", "signins") if r[0] > since]
            return len(rows) >= 2 and rows[-1][1] > rows[0][1] and up("steady") == 1

        d.wait("both blocks up", lambda: up("steady") == 1 and up("victim") == 1 and ingested() > 0, 30)
        print("ok   start: both blocks up", flush=True)

        def loopy_counts():
            rows = [d.csv_rows("loopy", "derive", m) for m in ("events_ingested", "events_duplicate")]
            return tuple(r[-1][1] if r else None for r in rows)
        d.wait("the looping directory read once (each directory entered once)",
               lambda: up("loopy") == 1 and (loopy_counts()[0] or 0) > 0, 30)
        check(loopy_counts()[1] == 0, "loopy: records read twice: %s" % (loopy_counts(),))
        said = [l for l in d.log().splitlines() if "[loopy]" in l and "already read" in l]
        check(len(said) == 1, "loopy: the loop logged %d times" % len(said))
        print("ok   loopy: %s events once each, the loop logged once" % loopy_counts()[0], flush=True)
        for phase in PHASES:
            t0 = time.time()
            before = ingested()
            mark = len(d.log().splitlines())
            if phase == "hang":
                hang(victim)
                th = time.time() + 1
                d.wait("victim reads completing on the FIFO (a read blocked in open()?)",
                       lambda: len([r for r in d.csv_rows("victim", "gauge", "source_up") if r[0] > th]) >= 3,
                       15)
            elif phase == "gone":
                os.unlink(victim)
                d.wait("victim source_up 0 when its file is gone", lambda: up("victim") == 0, 15)
            else:
                garbage(victim, phase)
                time.sleep(3)  # several reads of the garbage
            d.wait("steady fresh values during %s" % phase, lambda: steady_fresh(t0 + 0.5), 15)
            state = up("victim")
            fresh_export(victim)
            d.wait("victim back up with new events after %s" % phase,
                   lambda: up("victim") == 1 and ingested() > before, 20)
            t1 = time.time()
            d.wait("steady fresh values after %s" % phase, lambda: steady_fresh(t1), 15)
            new = [l for l in d.log().splitlines()[mark:] if "[victim]" in l]
            print("ok   %s: steady kept reporting, victim source_up %s during, recovered "
                  "(%d -> %d events; %d log lines) (%.1f s)" % (phase, state, before, ingested(),
                                                               len(new), time.time() - t0), flush=True)
        # SIGTERM while the victim is a FIFO: the daemon must not hang in a read.
        hang(victim)
        time.sleep(2)
        t0 = time.time()
        rc = d.stop(timeout=20)
        check(rc == 0, "SIGTERM with a FIFO source: exit %d\n%s" % (rc, d.log()[-2000:]))
        print("ok   SIGTERM with the FIFO and the loops in place: exit 0 in %.1f s" % (time.time() - t0))
        crit = [l for l in d.log().splitlines() if "revmon" in l.lower() and
                ("crash" in l.lower() or "signal" in l.lower() and "received" not in l.lower())]
        check(not crit, "suspicious log lines: %s" % crit[:3])
        ok = True
    finally:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()
        if not ok:
            print("--- collectd log (tail)\n" + d.log()[-3000:])
    return ok


# ---- snmp -------------------------------------------------------------------

def snmp_main(rig):
    reg = agent_registry(opts.revmon)
    ev = reg["events_ingested"][1]
    victim = os.path.join(rig.tmp, "victim.json")
    fresh_export(victim)
    loopy = loop_tree(rig.tmp)
    sections = [("steady", "source = sim\nsim_users = 50\nsim_duration = 12h\nsim_step = 60\n"
                           "poll_interval = 300ms\n"),
                ("victim", "source = file:%s\npoll_interval = 300ms\npoll_budget = 200ms\n" % victim),
                ("loopy", "source = file:%s\npoll_interval = 300ms\npoll_budget = 200ms\n" % loopy)]
    rig.write_agent_conf(sections)
    rig.start_master()
    rig.start_agent()

    def row(idx):
        status, err, vtime, n = rig.cells(idx, 3, 4, 8, ev)
        return (status and status[1], err and err[1], vtime and vtime[1], n and n[1])

    def steady_fresh():
        """Row 1 is up and its values time moves (two reads 0.8 s apart)."""
        a = row(1)
        time.sleep(0.8)
        b = row(1)
        rig.alive()
        return a[0] == 1 and b[0] == 1 and b[2] != a[2]

    rig.wait_for("both rows up", lambda: row(1)[0] == 1 and row(2)[0] == 1 and (row(2)[3] or 0) > 0)
    print("ok   start: both rows up", flush=True)
    dup = reg["events_duplicate"][1]
    rig.wait_for("row 3 (the looping directory) up, read once",
                 lambda: row(3)[0] == 1 and (row(3)[3] or 0) > 0, timeout=30)
    dups = rig.cells(3, dup)[0]
    check(dups is not None and dups[1] == 0, "row 3: records read twice: %s" % (dups,))
    print("ok   loopy: row 3 up, %s events once each" % row(3)[3], flush=True)
    for phase in PHASES:
        t0 = time.time()
        before = row(2)[3]
        if phase == "hang":
            hang(victim)
            time.sleep(2)
            during = row(2)
        elif phase == "gone":
            os.unlink(victim)
            during = rig.wait_for("row 2 down when its file is gone",
                                  lambda: row(2)[0] == 2 and row(2), timeout=15)
        else:
            garbage(victim, phase)
            time.sleep(2)
            during = row(2)
        rig.wait_for("row 1 fresh during %s" % phase, steady_fresh, timeout=15)
        if phase == "hang":
            # SIGHUP with the FIFO in place: the reload must not wait on a stuck poll.
            rig.agent.send_signal(signal.SIGHUP)
            time.sleep(1)
            rig.wait_for("row 1 fresh after SIGHUP", steady_fresh, timeout=15)
        fresh_export(victim)
        rig.wait_for("row 2 back up with new events after %s" % phase,
                     lambda: row(2)[0] == 1 and (row(2)[3] or 0) > before, timeout=20)
        rig.wait_for("row 1 fresh after %s" % phase, steady_fresh, timeout=15)
        print("ok   %s: row 1 kept moving; row 2 status %s (%s) during, recovered (%s -> %s events)"
              " (%.1f s)" % (phase, during[0], (during[1] or b"").decode(errors="replace")[:60],
                             before, row(2)[3], time.time() - t0), flush=True)
    hang(victim)
    time.sleep(2)
    t0 = time.time()
    rc = rig.stop_agent(timeout=20)
    check(rc == 0, "SIGTERM with a FIFO source: exit %d\n%s" % (rc, rig.log("agent.log")))
    with open(os.path.join(rig.tmp, "agent.log"), errors="replace") as f:
        said = [l for l in f.read().splitlines() if "already read" in l]
    check(len(said) == 1, "row 3: the loop logged %d times" % len(said))
    print("ok   SIGTERM with the FIFO and the loops in place: exit 0 in %.1f s" % (time.time() - t0))
    return True


def main():
    t0 = time.monotonic()
    ok = False
    if opts.what == "collectd":
        for tool in (opts.collectd, opts.plugin, opts.revmon):
            if not tool or not os.path.exists(tool):
                print("skipped: %s not found" % tool)
                return SKIP
        if not shutil.which(opts.collectdctl):
            print("skipped: collectdctl not found")
            return SKIP
        if opts.preload and not os.path.exists(opts.preload):
            print("skipped: %s not found" % opts.preload)
            return SKIP
        tmp = tempfile.mkdtemp(prefix="revmon-hard-faults-")
        try:
            ok = collectd_main(tmp)
        except Fail as e:
            print("FAIL %s" % e)
        finally:
            if ok and not opts.keep:
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                print("kept %s" % tmp)
    else:
        if not shutil.which("snmpd") and not os.path.exists("/usr/sbin/snmpd"):
            print("skipped: snmpd not found")
            return SKIP
        ok = run_on_rig(opts.revmon, opts.agent, snmp_main, keep=opts.keep)
    print("%s (%.1f s)" % ("passed" if ok else "FAILED", time.monotonic() - t0))
    return 0 if ok else 1


sys.exit(main())
