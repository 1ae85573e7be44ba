#!/usr/bin/env python3
"""revmon.so under the real collectd daemon, end to end.

Starts `collectd -f` in a temporary directory with the stock logfile, csv and
unixsock plugins and revmon.so (PluginDir switched mid-file, as collectd wants
a regular file in its PluginDir), then checks through `collectdctl`
(listval/getval) and the csv files:

  * every metric of a simulator block and of a replayed export (made here with
    `revmon simulate`) against `revmon report --json` on the same input;
  * blocks with an unknown key, a bad value, a ConfigFile without their
    section and a read budget above the interval are refused with an ERROR
    naming the key, while the other blocks report; a source whose path does
    not exist yet runs with source_up 0;
  * a block whose file source is removed reports source_up 0, logs it once,
    and recovers when the file is back;
  * the .so exports module_register only; SIGTERM ends the daemon with 0;
  * the per-family breakdown of tests/fixtures/families (type instance
    METRIC-LABEL, the label with [^A-Za-z0-9._] replaced by '_') has the
    fixture's values in csv and getval, and the label as meta data
    revmon_family (through write_log's JSON, when write_log can load); long
    labels are cut and end in -INDEX, labels that differ only in replaced
    characters stay apart;
  * one good and one refused block: the daemon runs the good one, while
    `collectd -T` on the same configuration exits non-zero naming the bad
    key and why (and 0 once the bad block is gone).

With --valgrind VALGRIND it runs a short configuration under valgrind instead
(the daemon, then `collectd -T` on the same file)
and fails on any leak (definite/indirect) or memory error whose stack passes
through revmon. With --preload LIB (the sanitizer build) the daemon runs with
LIB (the ASan runtime) preloaded, so the instrumented .so can be loaded.

Prints one line per check and ends with 'N passed, N failed'; exits 0 only
when all passed, 77 when the daemon cannot run here (ctest: skipped)."""
import argparse
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import collectd_daemon
from collectd_daemon import ident

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import valgrind_log  # noqa: E402
from tally import Tally  # noqa: E402

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
FAMILIES = os.path.join(HERE, "..", "..", "fixtures", "families")

ap = argparse.ArgumentParser()
ap.add_argument("--revmon", required=True, help="the revmon command")
ap.add_argument("--plugin", required=True, help="the built revmon.so")
ap.add_argument("--collectd", default="/usr/sbin/collectd")
ap.add_argument("--collectdctl", default="collectdctl")
ap.add_argument("--preload", help="library to LD_PRELOAD into the daemon (ASan runtime)")
ap.add_argument("--valgrind", help="run the short leak check under this valgrind")
ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
opts = ap.parse_args()

TALLY = Tally()


def check(name, fn, *args):
    TALLY.run(fn, name, *args)


def run(*args, timeout=120):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: exit {p.returncode}: {p.stderr[:2000]}")
    return p.stdout


def registry():
    """[(name, kind, collectd_type)] from `revmon metrics`, in registry order."""
    out = []
    for line in run(opts.revmon, "metrics").splitlines()[1:]:
        tok = line.split()
        # name kind [unit] snmp-column collectd-type definition...
        col = next(i for i in range(2, len(tok)) if tok[i].isdigit())
        out.append((tok[0], tok[1], tok[col + 1]))
    return out


def report(*args):
    doc = json.loads(run(opts.revmon, "report", "--json", *args))
    return {k: v["value"] for k, v in doc["monitors"][0]["metrics"].items()}


def same(got, want):
    if want is None:
        return got is not None and math.isnan(got)
    if got is None or math.isnan(got):
        return False
    return abs(got - want) <= 1e-5 + 1e-6 * abs(want)


def Daemon(tmp, blocks, wrapper=()):
    """collectd -f with the stock plugins and these revmon blocks."""
    return collectd_daemon.Daemon(tmp, opts.collectd, opts.collectdctl, opts.plugin, blocks,
                                  wrapper=wrapper, preload=opts.preload)


def compare_block(d, block, reg, want, timeout):
    """Every metric of block in listval, csv and (gauges) getval equals want."""
    def diffs():
        present = d.listval()
        bad = []
        for name, kind, ctype in reg:
            i = ident(block, ctype, name)
            if i not in present:
                bad.append(f"{i}: not in listval")
                continue
            csv = d.csv_values(block, ctype, name)
            if not csv or not same(csv[-1], want[name]):
                bad.append(f"{name}: csv {csv[-1:] or 'none'}, report {want[name]}")
            # getval gives rates for derive; gauges are the value itself.
            if kind == "gauge":
                g = d.getval(i)
                if g is None or not same(g, want[name]):
                    bad.append(f"{name}: getval {g}, report {want[name]}")
        return bad

    end = time.monotonic() + timeout
    while True:
        d.alive()
        bad = diffs()
        if not bad:
            return
        if time.monotonic() > end:
            raise AssertionError(f"{len(bad)} of {len(reg)} metrics differ: " + "; ".join(bad[:8]))
        time.sleep(0.5)


def main_run(tmp):
    reg = registry()
    fixture = os.path.join(tmp, "PT1H.json")
    flaky = os.path.join(tmp, "flaky.json")
    run(opts.revmon, "simulate", "--shape", "pt1h", "--out", fixture,
        "--set", "sim_users=300", "--set", "sim_duration=4h", "--set", "sim_seed=7")
    run(opts.revmon, "simulate", "--shape", "ndjson", "--out", flaky,
        "--set", "sim_users=50", "--set", "sim_duration=1h")
    conf_file = os.path.join(tmp, "revmon.conf")
    with open(conf_file, "w") as f:
        f.write(f"# defaults, then one monitor per section\nwindow = 10m\n\n"
                f"[replay]\nsource = \"file:{fixture}\"\n\n[other]\nsource = sim\n")

    sim_keys = ["sim_users=300", "sim_duration=4h", "window=300", "stuck_after=1800",
                "sim_mass_revocation=2h"]
    blocks = f"""
  <Source "sim">
    Source "sim"
    Interval 3600          # read once during the test: the simulator moves per read
    SimUsers 300
    sim_duration "4h"
    Window 300
    StuckAfter 1800
    SimMassRevocation "2h"
  </Source>
  <Source "replay">
    ConfigFile "{conf_file}"
    Interval 1
    StuckAfter "30m"
  </Source>
  <Source "bad_key">
    Source "sim"
    Windw 5
  </Source>
  <Source "bad_value">
    Source "sim"
    StuckAfter "soon"
  </Source>
  <Source "bad_section">
    ConfigFile "{conf_file}"
  </Source>
  <Source "bad_budget">
    Source "sim"
    Interval 2
    ReadBudget 5
  </Source>
  <Source "missing">
    Source "file:{tmp}/no/such/export"
    Interval 1
  </Source>
  <Source "flaky">
    Source "file:{flaky}"
    Interval 1
    ReadBudget 0.5
  </Source>"""
    want_sim = report("--source", "sim", *[a for k in sim_keys for a in ("--set", k)])
    want_replay = report("--source", f"file:{fixture}", "--set", "window=10m",
                         "--set", "stuck_after=30m")
    assert want_sim["signins"] > 1000 and want_replay["signins"] > 1000

    d = Daemon(tmp, blocks)
    try:
        d.wait("the unix socket", lambda: os.path.exists(d.sock), 30)
        check("sim block: every metric equals revmon report --json",
              compare_block, d, "sim", reg, want_sim, 60)
        check("replayed export (ConfigFile + inline keys): every metric equals report",
              compare_block, d, "replay", reg, want_replay, 60)
        check("refused blocks are logged with their key and dispatch nothing",
              refused_blocks, d)
        check("a source missing from the start: source_up 0, logged once", missing_source, d)
        check("failing source: source_up 0, logged once, recovers", flaky_source,
              d, flaky)
        check("failing source: logged once per change of state, not per read",
              flaky_logged_once, d)
        check("simulated data is said once in the log", lambda: simulated_said(d))
    finally:
        rc = d.stop()
    check("SIGTERM: collectd exits 0", lambda: exit_clean(d, rc))
    check("the .so exports module_register only", exports_only)
    ex = os.path.join(tmp, "example")
    os.makedirs(ex)
    check("collectd/revmon.conf.example starts its blocks", example_run, ex)
    fam = os.path.join(tmp, "families")
    os.makedirs(fam)
    families_run(fam)
    once = os.path.join(tmp, "read-once")
    os.makedirs(once)
    read_once_run(once)


def refused_blocks(d):
    log = d.log()
    errors = [l for l in log.splitlines() if "revmon plugin:" in l and "block skipped" in l]
    expect = {"bad_key": "Windw: windw: unknown configuration key",
              "bad_value": "StuckAfter: stuck_after: 'soon' is not a duration",
              "bad_section": "none is [bad_section]",
              "bad_budget": "ReadBudget (5 s) must be below the block's interval (2 s)"}
    for block, text in expect.items():
        hits = [l for l in errors if f"[{block}]" in l]
        assert len(hits) == 1 and text in hits[0], f"{block}: log has {hits}, wants '{text}'"
    assert len(errors) == len(expect), f"unexpected refusals: {errors}"
    present = d.listval()
    for block in expect:
        leaked = [i for i in present if f"/revmon-{block}/" in i]
        assert not leaked, f"{block} dispatched {leaked[:3]}"


def missing_source(d):
    up = ident("missing", "gauge", "source_up")
    d.wait("missing source_up 0", lambda: d.getval(up) == 0, 30)
    time.sleep(2)
    lines = [l for l in d.log().splitlines() if "[missing]" in l]
    down = [l for l in lines if "source down" in l and "no/such/export" in l]
    assert len(down) == 1, f"'source down' logged {len(down)} times: {lines[:4]}"
    present = {i for i in d.listval() if "/revmon-missing/" in i}
    assert len(present) == len(registry()), f"{len(present)} metrics dispatched"


def flaky_source(d, path):
    up = ident("flaky", "gauge", "source_up")
    away = path + ".away"
    d.wait("flaky source_up 1", lambda: d.getval(up) == 1, 30)
    mark = len(d.log().splitlines())
    os.rename(path, away)
    d.wait("flaky source_up 0 after the file went away", lambda: d.getval(up) == 0, 30)
    time.sleep(3)  # several reads while down
    assert d.getval(up) == 0
    for block in ("sim", "replay"):
        assert d.getval(ident(block, "gauge", "source_up")) == 1, f"{block} stopped reporting"
    os.rename(away, path)
    d.wait("flaky source_up 1 after the file came back", lambda: d.getval(up) == 1, 30)
    time.sleep(2)
    d.flaky_log = [l for l in d.log().splitlines()[mark:] if "[flaky]" in l]
    down = [l for l in d.flaky_log if "source down" in l]
    back = [l for l in d.flaky_log if "source up again" in l]
    assert len(down) == 1, f"'source down' logged {len(down)} times: {down[:3]}"
    assert len(back) == 1, f"'source up again' logged {len(back)} times: {back[:3]}"
    assert "No such file" in down[0], down[0]


def flaky_logged_once(d):
    """Only the two changes of state, not a line per read while down."""
    lines = getattr(d, "flaky_log", None)
    assert lines is not None, "the failing-source check did not get that far"
    noise = [l for l in lines if "source down" not in l and "source up again" not in l]
    assert not noise, f"{len(noise)} more lines while down (once per read?): {noise[:2]}"


def simulated_said(d):
    lines = [l for l in d.log().splitlines() if "SIMULATED DATA" in l]
    assert len(lines) == 1 and "[sim]" in lines[0], lines


def exit_clean(d, rc):
    log = d.log()
    assert rc == 0, f"exit status {rc}:\n{log[-3000:]}"
    assert "Exiting normally" in log, log[-2000:]


def exports_only():
    out = run("nm", "-D", "--defined-only", opts.plugin)
    names = sorted(line.split()[-1] for line in out.splitlines() if line.strip())
    assert names == ["module_register"], f"exported: {names[:20]}"


def example_run(tmp):
    """collectd/revmon.conf.example as shipped (file path and interval
    pointed at a fixture, the demo block uncommented) starts both blocks."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                       "collectd", "revmon.conf.example")
    fixture = os.path.join(tmp, "example.json")
    run(opts.revmon, "simulate", "--out", fixture, "--set", "sim_users=50",
        "--set", "sim_duration=1h")
    with open(src) as f:
        text = f.read()
    body = text[text.index("<Plugin revmon>") + len("<Plugin revmon>"):text.index("</Plugin>")]
    body = body.replace("/var/log/entra/contoso", fixture).replace("Interval 60", "Interval 1")
    demo = body.index('#<Source "demo">')
    end = body.index("#</Source>", demo) + len("#</Source>")
    body = body[:demo] + "\n".join(l.replace("#", "", 1) for l in
                                     body[demo:end].splitlines()) + body[end:]
    d = Daemon(tmp, body)
    try:
        for block in ("contoso", "demo"):
            d.wait(f"{block} source_up 1",
                   lambda: d.getval(ident(block, "gauge", "source_up")) == 1, 30)
        errors = [l for l in d.log().splitlines() if "revmon" in l and "skipped" in l]
        assert not errors, errors
    finally:
        rc = d.stop()
    assert rc == 0, f"exit status {rc}"


def family_instance(metric, label):
    return metric + "-" + re.sub(r"[^A-Za-z0-9._]", "_", label)


def family_fixture(tmp, name, apps):
    """The families fixture with each user's app renamed: apps maps a user
    (alice, bob, carol) to an app name."""
    path = os.path.join(tmp, name)
    with open(os.path.join(FAMILIES, "two-families.ndjson")) as f, open(path, "w") as out:
        for line in f:
            r = json.loads(line)
            user = r.get("userPrincipalName", "").split("@")[0]
            if user in apps:
                r["appDisplayName"] = apps[user]
            out.write(json.dumps(r) + "\n")
    return path


def write_log_loads():
    """write_log (JSON: the only stock writer that shows meta data) needs
    libyajl2, which collectd-core only recommends."""
    so = "/usr/lib/collectd/write_log.so"
    if not os.path.exists(so):
        return False
    return "not found" not in subprocess.run(["ldd", so], capture_output=True, text=True).stdout


def family_values(d, block, fam_types, want):
    """{instance: value} of block's family metrics that want names, from csv
    (raw values, derive too) and, for gauges, getval."""
    bad = []
    for inst, v in want.items():
        metric = inst.split("-", 1)[0]
        ctype = fam_types[metric]
        csv = d.csv_values(block, ctype, inst)
        if not csv or csv[-1] != v:
            bad.append(f"{inst}: csv {csv[-1:] or 'none'}, want {v}")
        if ctype != "derive":
            g = d.getval(ident(block, ctype, inst))
            if g != v:
                bad.append(f"{inst}: getval {g}, want {v}")
    return bad


def families_run(tmp):
    with open(os.path.join(FAMILIES, "two-families.expect.json")) as f:
        expect = json.load(f)["families"]
    long1 = "Contoso Line-of-Business Mail " + "x" * 100 + " (build 1)"
    long2 = long1.replace("(build 1)", "(build 2)")
    longf = family_fixture(tmp, "long.ndjson", {"alice": long1, "bob": long1, "carol": long2})
    clashf = family_fixture(tmp, "clash.ndjson", {"alice": "Teams (work)", "bob": "Teams [work]"})
    fixture = os.path.join(FAMILIES, "two-families.ndjson")
    blocks = "".join(f"""
  <Source "{name}">
    Source "file:{path}"
    Interval 1
  </Source>""" for name, path in (("fam", fixture), ("long", longf), ("clash", clashf)))
    meta = write_log_loads()
    stock = "LoadPlugin write_log\n<Plugin write_log>\n  Format JSON\n</Plugin>\n" if meta else ""
    d = collectd_daemon.Daemon(tmp, opts.collectd, opts.collectdctl, opts.plugin, blocks,
                               preload=opts.preload, stock=stock)
    try:
        d.wait_socket()
        check("families: the fixture's two families, every metric, its value", family_check,
              d, expect)
        if meta:
            check("families: the label is meta data revmon_family", family_meta, d, expect)
        else:
            print("     (write_log cannot load here (libyajl2 missing): meta data not checked)")
        check("families: long labels are cut to fit and end in -INDEX", family_long, d,
              long1, long2)
        check("families: labels equal once replaced stay apart (-INDEX)", family_clash, d)
    finally:
        rc = d.stop()
    check("families: SIGTERM, collectd exits 0", lambda: exit_clean(d, rc))


def fam_idents(d, block):
    """{type_instance: type} of block's per-family values, from the csv
    files (collectdctl's client library cuts names at 63 characters)."""
    out = {}
    for path in glob.glob(os.path.join(d.csv, collectd_daemon.HOST, f"revmon-{block}", "*")):
        ctype, inst = re.sub(r"-\d{4}-\d\d-\d\d$", "", os.path.basename(path)).split("-", 1)
        if "-" in inst:
            out[inst] = ctype
    return out


def family_check(d, expect):
    d.wait("the families block's per-family values",
           lambda: len(fam_idents(d, "fam")) == sum(len(e["values"]) for e in expect.values()), 30)
    got = fam_idents(d, "fam")
    want = {family_instance(m, label): v for label, e in expect.items()
            for m, v in e["values"].items()}
    assert set(got) == set(want), f"instances {sorted(got)}, want {sorted(want)}"
    types = {inst.split("-", 1)[0]: t for inst, t in got.items()}
    assert types["stale_presentations"] == "derive" and types["stale_clients"] == "count", types
    end = time.monotonic() + 30
    while (bad := family_values(d, "fam", types, want)) and time.monotonic() < end:
        time.sleep(0.5)
    assert not bad, "; ".join(bad)
    assert "stale_clients-Outlook_for_iOS_and_Android_on_iOS" in got, sorted(got)


def family_meta(d, expect):
    seen = {}
    for line in d.log().splitlines():
        start = line.find('[{"values"')
        if start < 0:
            continue
        for vl in json.loads(line[start:]):
            if vl["plugin_instance"] == "fam" and "meta" in vl:
                seen[vl["type_instance"]] = vl["meta"].get("revmon_family")
    for label, e in expect.items():
        for m in e["values"]:
            inst = family_instance(m, label)
            assert seen.get(inst) == label, f"{inst}: meta {seen.get(inst)!r}, want {label!r}"


def family_long(d, long1, long2):
    d.wait("the long block's values", lambda: len(fam_idents(d, "long")) == 8, 30)
    got = fam_idents(d, "long")
    for metric in {i.split("-", 1)[0] for i in got}:
        mine = sorted(i for i in got if i.startswith(metric + "-Contoso"))
        heads = {i.rsplit("-", 1)[0] for i in mine}
        tails = {i.rsplit("-", 1)[1] for i in mine}
        assert len(mine) == 2 and all(len(i) == 127 for i in mine), mine
        assert len(tails) == 2 and all(t.isdigit() for t in tails), mine
        for label in (long1 + " on iOS", long2 + " on macOS"):
            assert all(family_instance(metric, label).startswith(h) for h in heads), mine
    clients = sorted(d.csv_values("long", "count", i)[-1] for i in got
                     if i.startswith("stale_clients-"))
    assert clients == [1.0, 2.0], clients


def family_clash(d):
    d.wait("the clash block's values", lambda: len(fam_idents(d, "clash")) == 12, 30)
    got = [i for i in fam_idents(d, "clash") if i.startswith("stale_clients-Teams")]
    plain = "stale_clients-Teams__work__on_iOS"
    assert plain in got and len(got) == 2, got
    other = [i for i in got if i != plain][0]
    assert re.fullmatch(re.escape(plain) + r"-\d+", other), other
    vals = [d.getval(ident("clash", "count", i)) for i in got]
    assert vals == [1.0, 1.0], vals


def read_once_run(tmp):
    """One good and one refused block: the daemon runs the good one; the same
    configuration under `collectd -T` (initialise, read once, exit) exits
    non-zero naming the bad key and why; without the bad block, 0."""
    good = """
  <Source "good">
    Source "sim"
    Interval 1
    SimUsers 50
    SimDuration "1h"
  </Source>"""
    bad = """
  <Source "bad">
    Source "sim"
    StuckAfter "soon"
  </Source>"""
    d = Daemon(tmp, good + bad)
    try:
        check("good and refused block: the daemon keeps dispatching the good one",
              good_block_runs, d)
    finally:
        rc = d.stop()
    check("good and refused block: SIGTERM, collectd exits 0", lambda: exit_clean(d, rc))
    with open(d.conf) as f:
        text = f.read()
    check("collectd -T with a refused block exits non-zero, naming the key and why",
          read_once, d.conf, False)
    fixed = os.path.join(tmp, "fixed.conf")
    with open(fixed, "w") as f:
        f.write(text.replace(bad, ""))
    check("collectd -T with the good block only exits 0", read_once, fixed, True)


def good_block_runs(d):
    d.wait("five reads of the good block",
           lambda: len(d.csv_values("good", "derive", "signins")) >= 5, 60)
    present = d.listval()
    assert ident("good", "gauge", "source_up") in present, sorted(present)[:5]
    assert not [i for i in present if "/revmon-bad/" in i], "the refused block dispatched"
    assert d.getval(ident("good", "gauge", "source_up")) == 1


def read_once(conf, ok):
    env = dict(os.environ)
    if opts.preload:
        env["LD_PRELOAD"] = opts.preload
        env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1"
    p = subprocess.run([opts.collectd, "-T", "-C", conf], capture_output=True, text=True,
                       timeout=120, env=env, cwd=os.path.dirname(conf))
    out = p.stdout + p.stderr
    good = "[good] reading every 1 s" in out
    if ok:
        assert p.returncode == 0 and good and "refused" not in out, \
            f"exit {p.returncode}:\n{out[-2000:]}"
        return
    assert p.returncode != 0, f"exit {p.returncode}:\n{out[-2000:]}"
    assert "[bad] StuckAfter: stuck_after: 'soon' is not a duration" in out, out[-2000:]
    assert "refused <Source> block [bad]" in out, out[-2000:]
    assert good, f"the good block did not start under -T:\n{out[-2000:]}"


def valgrind_run(tmp):
    """A few reads of a small simulator, a replay and the families fixture
    (per-family values with meta data), then SIGTERM; the daemon must exit
    0 and valgrind must see nothing of ours."""
    fixture = os.path.join(tmp, "small.json")
    run(opts.revmon, "simulate", "--out", fixture, "--set", "sim_users=50",
        "--set", "sim_duration=1h")
    blocks = f"""
  <Source "sim">
    Source "sim"
    Interval 1
    SimUsers 50
    SimDuration "1h"
  </Source>
  <Source "replay">
    Source "file:{fixture}"
    Interval 1
  </Source>
  <Source "bad_key">
    Windw 5
  </Source>
  <Source "bad_budget">
    Interval 1
    ReadBudget 2
  </Source>
  <Source "missing">
    Source "file:{tmp}/missing"
  </Source>
  <Source "fam">
    Source "file:{os.path.join(FAMILIES, "two-families.ndjson")}"
    Interval 1
  </Source>"""
    vglog = os.path.join(tmp, "valgrind.log")
    d = Daemon(tmp, blocks, wrapper=[opts.valgrind, "--leak-check=full",
                                     "--show-leak-kinds=definite,indirect",
                                     "--num-callers=40", f"--log-file={vglog}"])
    try:
        def reads(n):
            return len(d.csv_values("sim", "derive", "signins")) >= n and \
                len(d.csv_values("replay", "derive", "signins")) >= n and \
                len(d.csv_values("fam", "count",
                                 "stale_clients-Microsoft_Office_on_macOS")) >= n
        d.wait("three reads of each block under valgrind", lambda: reads(3), 240)
    finally:
        rc = d.stop(timeout=180)
    check("SIGTERM under valgrind: collectd exits 0", lambda: exit_clean(d, rc))
    check("valgrind: no leak or memory error through revmon", lambda: vg_clean(vglog))
    # The same configuration read once (-T): the refused blocks' failing read.
    vglog_once = os.path.join(tmp, "valgrind-once.log")
    p = subprocess.run([opts.valgrind, "--leak-check=full", "--show-leak-kinds=definite,indirect",
                        "--num-callers=40", f"--log-file={vglog_once}", opts.collectd, "-T",
                        "-C", d.conf], capture_output=True, text=True, timeout=300)
    check("collectd -T under valgrind: exit 1 for the refused blocks",
          lambda: read_once_refused(p))
    check("valgrind (-T): no leak or memory error through revmon", lambda: vg_clean(vglog_once))


def read_once_refused(p):
    out = p.stdout + p.stderr
    assert p.returncode == 1, f"exit {p.returncode}:\n{out[-2000:]}"
    assert "refused <Source> blocks [bad_key], [bad_budget]" in out, out[-2000:]


def vg_clean(path):
    ours, theirs, text = valgrind_log.records(path)
    assert "LEAK SUMMARY" in text or "All heap blocks were freed" in text, \
        "valgrind wrote no leak summary (did the daemon exit?)"
    if theirs:
        print(f"     ({len(theirs)} valgrind records from collectd itself, not ours)")
    assert not ours, f"{len(ours)} records through revmon:\n" + "\n\n".join(ours[:3])


def main():
    for tool in (opts.collectd, opts.plugin, opts.revmon):
        if not os.path.exists(tool):
            print(f"skipped: {tool} not found")
            return SKIP
    if not shutil.which(opts.collectdctl):
        print("skipped: collectdctl not found (collectd-utils)")
        return SKIP
    if opts.preload and not os.path.exists(opts.preload):
        print(f"skipped: {opts.preload} (the ASan runtime) not found")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="revmon-collectd-")
    try:
        if opts.valgrind:
            valgrind_run(tmp)
        else:
            main_run(tmp)
    except Exception as e:
        TALLY.check(False, f"setup: {e}")
    finally:
        if opts.keep or TALLY.failures:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return TALLY.summary()


sys.exit(main())
