#!/usr/bin/env python3
"""Load and soak tests with memory sampled.

  test_soak.py agent    --revmon BIN --agent BIN [--seconds 20]
      revmon-agentx (two rows: a simulator polled once and a replayed
      export) under a sustained snmpbulkwalk loop; VmRSS sampled from /proc
      every second; the last third's max may exceed the first third's max by
      at most 5 % + 512 kB (no growth beyond the working set).

  test_soak.py analyzer --revmon BIN [--users 100000] [--duration 30]
      `revmon report --stats` on the simulator at several simulated spans
      (minutes) up to --duration: peak RSS (wait4) and the analyzer's own
      state bytes. Over the second half, RSS may grow only with the state
      (tracked clients: the working set): rss growth <= 2 x state growth +
      4 MB. Prints the figures.

  test_soak.py valgrind --revmon BIN --agent BIN --valgrind BIN [--seconds 60]
      revmon-agentx under valgrind --leak-check=full (definite and indirect
      leaks are errors, --error-exitcode=99) with two sources while an
      snmpbulkwalk loop runs and a SIGHUP reload happens half-way; SIGTERM;
      fails on any error or leak record through revmon, or a non-zero exit.
      No suppressions are needed with Debian's net-snmp (none are used).

Exit 0 when it passed, 1 when not, 77 when a tool is missing."""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SKIP, SCALAR, TABLE, Fail, check, rss_kb, run_on_rig, simulate  # noqa: E402
from valgrind_log import records as vg_records  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("what", choices=["agent", "analyzer", "valgrind"])
ap.add_argument("--revmon", required=True)
ap.add_argument("--agent")
ap.add_argument("--valgrind")
ap.add_argument("--seconds", type=float)
ap.add_argument("--users", type=int, default=100000)
ap.add_argument("--duration", type=int, default=30, help="simulated minutes")
ap.add_argument("--steps", type=int, default=6)
ap.add_argument("--trace", action="store_true",
                help="analyzer: print the VmRSS samples (every 0.25 s) of the longest run")
ap.add_argument("--keep", action="store_true")
opts = ap.parse_args()


class Walker(threading.Thread):
    """snmpbulkwalk of the whole subtree in a loop until stopped."""

    def __init__(self, rig, timeout=10):
        super().__init__(daemon=True)
        self.rig, self.timeout = rig, timeout
        self.stop_ev = threading.Event()
        self.walks = self.failures = self.cells = 0
        self.last_error = ""

    def run(self):
        cmd = ["snmpbulkwalk", "-v", "2c", "-c", "public", "-r", "1", "-t", str(self.timeout),
               "-Cr25", "-On", "127.0.0.1:%d" % self.rig.port, TABLE.rsplit(".", 3)[0]]
        while not self.stop_ev.is_set():
            r = subprocess.run(cmd, capture_output=True, text=True, env=self.rig.env,
                               timeout=self.timeout * 4)
            n = r.stdout.count("\n")
            if r.returncode == 0 and n > 20:
                self.walks += 1
                self.cells += n
            else:
                self.failures += 1
                self.last_error = (r.stderr or r.stdout)[-300:]

    def stop(self):
        self.stop_ev.set()
        self.join(60)


def two_rows(rig, fixture):
    simulate(opts.revmon, fixture, "sim_users=300", "sim_duration=2h", shape="pt1h")
    return [("simulated", "source = sim\nsim_users = 300\nsim_duration = 2h\npoll_interval = 1h\n"),
            ("replayed", "source = file:%s\npoll_interval = 1s\n" % fixture)]


def rows_up(rig, n=2):
    def up():
        got = rig.get(*["%s.3.%d" % (TABLE, i) for i in range(1, n + 1)])
        return all(got.get("%s.3.%d" % (TABLE, i)) == ("INTEGER", 1) for i in range(1, n + 1))
    return up


def agent_rss(rig):
    secs = opts.seconds or 20
    rig.write_agent_conf(two_rows(rig, os.path.join(rig.tmp, "PT1H.json")))
    rig.start_master()
    rig.start_agent()
    rig.wait_for("both rows up", rows_up(rig))
    w = Walker(rig, timeout=5)
    w.start()
    samples = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < secs:
        time.sleep(1)
        rig.alive()
        samples.append(rss_kb(rig.agent.pid))
    w.stop()
    rig.alive()
    third = max(1, len(samples) // 3)
    first, last = max(samples[:third]), max(samples[-third:])
    limit = first * 1.05 + 512
    print("agent load: %.0f s, %d bulkwalks (%d lines, %.1f walks/s), %d failed; RSS kB first "
          "third max %d, last third max %d, peak %d, growth %+d kB (limit %d)"
          % (secs, w.walks, w.cells, w.walks / secs, w.failures, first, last, max(samples),
             last - first, limit - first), flush=True)
    print("RSS samples (kB): %s" % " ".join(str(s) for s in samples))
    check(w.walks >= secs / 2, "only %d walks in %.0f s" % (w.walks, secs))
    check(w.failures <= max(1, w.walks // 50), "%d walks failed: %s" % (w.failures, w.last_error))
    check(last <= limit, "RSS grew under load: %d -> %d kB" % (first, last))
    rc = rig.stop_agent()
    check(rc == 0, "SIGTERM: exit %d" % rc)
    return True


def analyzer_main():
    # Peak RSS per child through wait4 (exact), sampled VmRSS as a cross-check.
    users, dur = opts.users, opts.duration
    spans = sorted({max(1, round(dur * (i + 1) / opts.steps)) for i in range(opts.steps)})
    figures = []
    for m in spans:
        t0 = time.monotonic()
        p = subprocess.Popen([opts.revmon, "report", "-q", "--stats", "--set", "sim_users=%d" % users,
                              "--set", "sim_duration=%dm" % m], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        sampled, trace, last = 0, [], 0.0
        while True:
            r = os.wait4(p.pid, os.WNOHANG)
            if r[0] == p.pid:
                status, ru = r[1], r[2]
                break
            kb = rss_kb(p.pid) or 0
            sampled = max(sampled, kb)
            if time.monotonic() - last >= 0.25:
                trace.append(kb)
                last = time.monotonic()
            time.sleep(0.05)
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read().decode(errors="replace")
        check(p.returncode == 0, "revmon report failed (%s): %s" % (p.returncode, err[-500:]))
        st = re.search(r"state: (\d+) users, (\d+) clients tracked, (\d+) bytes", err)
        check(st, "no --stats line in: %s" % err[-300:])
        figures.append(dict(minutes=m, peak_kb=ru.ru_maxrss, sampled_kb=sampled,
                            state_kb=int(st.group(3)) // 1024, clients=int(st.group(2)),
                            secs=time.monotonic() - t0))
    if opts.trace:
        print("VmRSS every 0.25 s of the %d-minute run (kB): %s" % (spans[-1], " ".join(map(str, trace))))
    print("analyzer, %d simulated users:" % users)
    print("  %8s %10s %10s %10s %10s %7s" % ("sim min", "peak kB", "sampled", "state kB", "clients", "wall s"))
    for f in figures:
        print("  %8d %10d %10d %10d %10d %7.2f" % (f["minutes"], f["peak_kb"], f["sampled_kb"],
                                                   f["state_kb"], f["clients"], f["secs"]))
    half = [f for f in figures if f["minutes"] >= dur / 2]
    a, b = half[0], half[-1]
    rss_growth, state_growth = b["peak_kb"] - a["peak_kb"], b["state_kb"] - a["state_kb"]
    limit = 2 * max(0, state_growth) + 4096
    print("second half (%d -> %d simulated min): peak RSS %+d kB, analyzer state %+d kB "
          "(limit %d kB); peak %d kB" % (a["minutes"], b["minutes"], rss_growth, state_growth,
                                         limit, max(f["peak_kb"] for f in figures)), flush=True)
    check(rss_growth <= limit, "RSS grew %d kB beyond the working set (state %+d kB)"
          % (rss_growth, state_growth))
    return True


def valgrind_soak(rig):
    secs = opts.seconds or 60
    fixture = os.path.join(rig.tmp, "PT1H.json")
    sections = two_rows(rig, fixture)
    sections.append(("ticking", "source = sim\nsim_users = 30\nsim_duration = 4h\nsim_step = 300\n"
                                "poll_interval = 1s\n"))
    rig.write_agent_conf(sections)
    vglog = os.path.join(rig.tmp, "valgrind.log")
    rig.wrapper = [opts.valgrind, "--leak-check=full", "--show-leak-kinds=definite,indirect",
                   "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
                   "--num-callers=40", "--log-file=" + vglog]
    rig.start_master()
    t0 = time.monotonic()
    rig.start_agent()
    rig.wait_for("three rows up under valgrind", rows_up(rig, 3), timeout=120, step=1)
    w = Walker(rig, timeout=10)
    w.start()
    hup_done = False
    while time.monotonic() - t0 < secs:
        time.sleep(1)
        rig.alive()
        if not hup_done and time.monotonic() - t0 > secs / 2:
            # Change one row, drop one, add one.
            rig.write_agent_conf([sections[0], (sections[1][0], sections[1][1] + "window = 10m\n"),
                                  ("added", "source = sim\nsim_users = 20\nsim_duration = 1h\n"
                                            "poll_interval = 1h\n")])
            rig.agent.send_signal(signal.SIGHUP)
            hup_done = True
            rig.wait_for("the reload under valgrind", lambda: rig.get(
                SCALAR + ".4.0", TABLE + ".2.4").get(TABLE + ".2.4") == ("STRING", b"added"),
                timeout=60, step=1)
            print("ok   SIGHUP reload at %.0f s" % (time.monotonic() - t0), flush=True)
    w.stop()
    rig.alive()
    rc = rig.stop_agent(timeout=120)
    took = time.monotonic() - t0
    ours, theirs, text = vg_records(vglog)
    summary = re.findall(r"(definitely lost|indirectly lost|still reachable): ([\d,]+) bytes", text)
    errs = re.search(r"ERROR SUMMARY: (\d+) errors", text)
    print("valgrind soak: %.0f s, %d bulkwalks, %d failed; exit %d; %s; ERROR SUMMARY %s"
          % (took, w.walks, w.failures, rc, ", ".join("%s %s B" % s for s in summary),
             errs.group(1) if errs else "?"), flush=True)
    if theirs:
        print("  (%d records outside revmon)\n%s" % (len(theirs), "\n\n".join(theirs[:3])))
    check(hup_done, "the soak ended before the reload")
    check(w.walks >= 5, "only %d walks under valgrind" % w.walks)
    check("ERROR SUMMARY" in text, "valgrind wrote no summary (did the agent exit?)")
    check(not ours, "%d records through revmon:\n%s" % (len(ours), "\n\n".join(ours[:3])))
    check(rc == 0, "exit status %d under valgrind (99: valgrind found errors)" % rc)
    return True


def main():
    t0 = time.monotonic()
    ok = False
    if opts.what == "analyzer":
        try:
            ok = analyzer_main()
        except Fail as e:
            print("FAIL %s" % e)
    else:
        if not opts.agent or not os.path.exists(opts.agent):
            print("skipped: no revmon-agentx")
            return SKIP
        if not (shutil.which("snmpd") or os.path.exists("/usr/sbin/snmpd")) or not shutil.which("snmpbulkwalk"):
            print("skipped: snmpd or snmpbulkwalk not found")
            return SKIP
        if opts.what == "valgrind" and not opts.valgrind:
            print("skipped: no valgrind")
            return SKIP
        ok = run_on_rig(opts.revmon, opts.agent, agent_rss if opts.what == "agent" else valgrind_soak,
                        keep=opts.keep)
    print("%s (%.1f s)" % ("passed" if ok else "FAILED", time.monotonic() - t0))
    return 0 if ok else 1


sys.exit(main())
