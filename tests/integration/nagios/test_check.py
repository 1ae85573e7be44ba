#!/usr/bin/env python3
"""check_revocation run directly: exit codes, the status line, perfdata for
every metric, thresholds, timeouts, state files, --extra-opts, bad input."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import perfdata  # noqa: E402
from tally import Tally  # noqa: E402

CHECK, REVMON, FIX, MAN = map(os.path.abspath, sys.argv[1:5])
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
TALLY = Tally()
TMP = tempfile.mkdtemp(prefix="revmon-check-")
ENV = dict(os.environ, REVMON_STATE_DIR=os.path.join(TMP, "state"))


def check(*args, timeout=120, env=None):
    p = subprocess.run([CHECK, *args], capture_output=True, timeout=timeout, env=env or ENV)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def report(*args):
    p = subprocess.run([REVMON, "report", "--json", *args], capture_output=True, check=True)
    return json.loads(p.stdout)["monitors"][0]["metrics"]


def fixture(name):
    return f"file:{os.path.join(FIX, name)}"


def split(out):
    first, _, rest = out.partition("\n")
    status, _, pd = first.partition("|")
    return status.strip(), perfdata.parse(pd), rest


def t_fixtures_drive_each_state():
    for name, rc, word in (("ok", 0, "OK"), ("warning", 1, "WARNING"), ("critical", 2, "CRITICAL")):
        code, out, err = check("--no-state", "--source", fixture(f"{name}.ndjson"))
        assert code == rc, (name, code, out)
        assert out.startswith(f"REVOCATION {word} - "), out
        assert err == "", err  # stdout only
    # a source that never answers: a FIFO nobody writes to
    fifo = os.path.join(TMP, "silent.fifo")
    os.mkfifo(fifo)
    t0 = time.monotonic()
    code, out, _ = check("--no-state", "--source", f"file:{fifo}", "-t", "2")
    assert code == 3 and out.startswith("REVOCATION UNKNOWN - timed out after 2 s while"), out
    assert time.monotonic() - t0 < 5


def t_source_down_is_critical_and_unusable_is_unknown():
    gone = os.path.join(TMP, "comes-and-goes")
    os.makedirs(gone)
    with open(os.path.join(gone, "a.json"), "w") as f:
        f.write(open(os.path.join(FIX, "ok.ndjson")).read())
    state = os.path.join(TMP, "down.state")
    code, out, _ = check("--state-file", state, "--source", f"file:{gone}")
    assert code == 0, out
    os.rename(gone, gone + ".moved")
    code, out, _ = check("--state-file", state, "--source", f"file:{gone}")
    assert code == 2 and "source file:" in out and " down: " in out and "No such file" in out, out
    os.rename(gone + ".moved", gone)
    # a path the check may not read: only someone fixing permissions helps
    locked = os.path.join(TMP, "locked")
    os.makedirs(locked)
    os.chmod(TMP, 0o755)
    with open(os.path.join(locked, "a.json"), "w") as f:
        f.write(open(os.path.join(FIX, "ok.ndjson")).read())
    os.chmod(locked, 0o000)
    try:
        if os.geteuid() == 0:
            # nobody may not reach the build tree (a clone under /root is
            # 0700): run a copy from the test's own directory
            mine = os.path.join(TMP, "check_revocation")
            shutil.copy(CHECK, mine)
            os.chmod(mine, 0o755)
            cmd = ["runuser", "-u", "nobody", "--", mine, "--no-state", "--source", f"file:{locked}"]
        else:
            cmd = [CHECK, "--no-state", "--source", f"file:{locked}"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert p.returncode == 3, (p.returncode, p.stdout)
        assert "cannot answer" in p.stdout and "Permission denied" in p.stdout, p.stdout
    finally:
        os.chmod(locked, 0o755)


def t_perfdata_matches_registry_and_report():
    code, out, _ = check("--no-state", "--source", fixture("warning.ndjson"))
    _, pd, _ = split(out)
    metrics = report("--source", fixture("warning.ndjson"))
    assert list(pd) == list(metrics), "perfdata labels differ from the registry"
    for name, m in metrics.items():
        value, uom, warn, crit, mn, mx = pd[name]
        if m["value"] is None:
            assert value is None, name
            continue
        assert abs(value - m["value"]) <= 0.0005 + 1e-9 * abs(m["value"]), (name, value, m["value"])
        assert uom == perfdata.expected_uom(m["kind"], m["unit"]), (name, uom)
        assert mn == "0", name
    assert pd["revocation_lag_p95"][2:4] == ("300", "900")
    assert pd["stale_clients"][2:4] == ("0", "9")
    assert pd["cae_token_ratio"][5] == "100"


def t_thresholds_on_any_metric():
    code, out, _ = check("--no-state", "--source", fixture("ok.ndjson"), "-c", "signins=~:2")
    assert code == 2 and out.startswith("REVOCATION CRITICAL - 4 sign-ins > 2; "), out
    code, out, _ = check("--no-state", "--source", fixture("critical.ndjson"), "-w", "100000", "-c", "200000")
    assert code == 0, out
    code, out, _ = check("--no-state", "--source", fixture("ok.ndjson"), "--warning", "lag_p95=@0:100")
    assert code == 1 and "revocation lag p95 1m00s within 0s..1m40s" in out, out
    # critical is checked before warning
    code, out, _ = check("--no-state", "--source", fixture("ok.ndjson"), "-w", "lag_p95=10", "-c", "lag_p95=20")
    assert code == 2, out
    # an unknown value never alerts
    code, out, _ = check("--no-state", "--source", fixture("ok.ndjson"), "-c", "probe_age=1")
    assert code == 0, out


# a simulated tenant with more stuck clients than a snapshot lists (100)
MANY_STUCK = ("--source", "sim", "--set", "sim_users=3000", "--set", "sim_stuck_share=0.6",
              "--set", "sim_mass_share=0.6")
STUCK_LINE = ("REVOCATION CRITICAL - revocation lag p95 1h35m > 15m00s; 3 clients stuck on revoked grants "
              "(Outlook for iOS and Android on iOS 2, Microsoft Office on macOS 1; oldest revoked 09:00Z)")


def t_status_line_says_each_problem_once_in_words():
    code, out, _ = check("--no-state", "--source", fixture("stuck.ndjson"))
    status, pd, rest = split(out)
    assert code == 2, out
    assert status == STUCK_LINE, status
    assert len(status) < 200, len(status)
    assert pd["stale_clients"][0] == 3 and pd["revocation_lag_p95"][0] == 5700, pd
    for word in list(pd) + ["range"]:
        assert word not in status, word  # no metric names, no raw ranges
    assert rest == "", rest  # no long output without -v
    # the other fixtures: every fact once
    for name, want in (("ok", "REVOCATION OK - revocation lag p95 1m00s; no client stuck on revoked grants; "
                              "1 revoked token valid up to 27m20s more"),
                       ("warning", "REVOCATION WARNING - revocation lag p95 10m00s > 5m00s; no client stuck on "
                                   "revoked grants; 1 revoked token valid up to 18m20s more")):
        code, out, _ = check("--no-state", "--source", fixture(f"{name}.ndjson"))
        assert split(out)[0] == want, out
    # the simulator: many families, cut to fit
    code, out, _ = check("--no-state")
    status = split(out)[0]
    assert len(status) < 220 and status.count("stuck") == 1 and status.count("lag") == 1, status
    assert "more famil" in status or status.count(" on ") >= 2, status


def stuck_lines(text):
    return [line for line in text.splitlines() if line.startswith("  ") and "; revoked " in line]


def t_long_output_lists_families_and_what_to_do():
    code, out, _ = check("--no-state", "--source", fixture("stuck.ndjson"), "-v")
    _, pd, rest = split(out)
    lines = stuck_lines(rest)
    assert len(lines) == 3, rest
    assert lines[0].startswith("  user-") and "alice" not in rest, rest
    assert lines[0].endswith(": Outlook for iOS and Android on iOS, device 1f0c7a52-3b1e-4c55-9e0a-0000000000a1; "
                             "revoked 09:00Z, refused 10:30Z to 11:20Z, 3 presentations"), lines[0]
    assert "Microsoft Office on macOS, device" in lines[2], lines
    assert ("  Outlook for iOS and Android on iOS: stuck clients 2, stale presentations 6, stale tokens 1, "
            "stale CAE tokens 0") in rest, rest
    assert "  Microsoft Office on macOS: stuck clients 1, stale presentations 2" in rest, rest
    assert "What to do:" in rest and "check_revocation --list-stuck --show-users" in rest, rest
    assert "and 0 more" not in rest and " more (" not in rest
    code, out, _ = check("--no-state", "--source", fixture("stuck.ndjson"), "-v", "--show-users")
    assert stuck_lines(out)[0].startswith("  alice@contoso.example: "), out
    # nothing stuck: nothing to do
    code, out, _ = check("--no-state", "--source", fixture("ok.ndjson"), "-v")
    assert "What to do" not in out and "Stuck clients (oldest revocation first): 0" in out, out
    # more stuck than -v lists: "and N more", at every verbosity
    for flag, listed in (("-v", 5), ("-vv", 20), ("-vvv", 100)):
        code, out, _ = check("--no-state", *MANY_STUCK, flag)
        _, pd, rest = split(out)
        total = int(pd["stale_clients"][0])
        assert total > listed, (total, listed)
        assert len(stuck_lines(rest)) == listed, rest
        assert f"Stuck clients (oldest revocation first): {total}\n" in rest
        assert f"  and {total - listed} more (--list-stuck lists them all)" in rest, rest


def t_family_perfdata():
    code, out, _ = check("--no-state", "--source", fixture("stuck.ndjson"))
    assert "@" not in out.split("\n")[0].partition("|")[2], "family perfdata without --family-perfdata"
    code2, out, _ = check("--no-state", "--source", fixture("stuck.ndjson"), "--family-perfdata")
    assert code2 == code, (code, code2)
    first = out.split("\n")[0]
    _, pd, _ = split(out)
    items = re.findall(r"'([a-z_]+)@([^'=]*)'=([0-9]+)(c?);;;0(?= |$)", first.partition("|")[2])
    fams = json.loads(subprocess.run([REVMON, "report", "--json", "--source", fixture("stuck.ndjson")],
                                     capture_output=True, check=True).stdout)["monitors"][0]["families"]
    want = []
    for f in fams:
        label = f["label"].replace("'", "_").replace("=", "_")
        for name, value in f["metrics"].items():
            want.append((name, label, str(value), "c" if name == "stale_presentations" else ""))
    assert items == want, (items, want)
    assert ("stale_clients", "Outlook for iOS and Android on iOS", "2", "") in items, items
    assert ("stale_presentations", "Microsoft Office on macOS", "2", "c") in items, items
    # every item parses as perfdata, and the registry's are still there
    assert "stale_clients@Microsoft Office on macOS" in pd and "revocation_lag_p95" in pd, list(pd)
    code, out, _ = check("--help")
    assert "--family-perfdata" in out and "'METRIC@LABEL'=VALUE;;;0" in out, out


def t_list_stuck_lists_everyone():
    base = check("--no-state", *MANY_STUCK)
    code, out, _ = check("--no-state", *MANY_STUCK, "--list-stuck")
    assert code == base[0], (code, base[0])
    status, pd, rest = split(out)
    assert status == split(base[1])[0], (status, base[1][:300])
    total = int(pd["stale_clients"][0])
    lines = stuck_lines(rest)
    assert total > 100 and len(lines) == total, (total, len(lines))  # past the snapshot's usual 100
    assert " more (" not in rest and "What to do" not in rest, rest[-300:]
    assert all(line.startswith("  user-") for line in lines), lines[:3]
    code, out, _ = check("--no-state", "--source", fixture("stuck.ndjson"), "--list-stuck", "--show-users")
    assert code == 2, out
    assert [line.split(":")[0].strip() for line in stuck_lines(out)] == \
        ["alice@contoso.example", "bob@contoso.example", "dave@contoso.example"], out


def t_bad_arguments_are_unknown_with_usage():
    for args, words in ((["-w", "20:10"], "not a range"), (["-c", "nosuch=1"], "no metric named 'nosuch'"),
                        (["-w", "p95=1"], "ambiguous"), (["-t", "soon"], "--timeout"),
                        (["--bogus"], "unknown option"), (["extra"], "unexpected argument"),
                        (["--set", "windwo=5"], "windwo: unknown configuration key"),
                        (["--config", "/nonexistent.conf"], "/nonexistent.conf")):
        code, out, err = check("--no-state", *args)
        assert code == 3, (args, code, out)
        assert out.startswith("REVOCATION UNKNOWN - ") and words in out.splitlines()[0], (args, out)
        assert "Usage:" in out, (args, out)
        assert err == "", err


def option_table():
    """The check's options from nagios/options.def: (letter, short, long, arg, help)."""
    text = open(os.path.join(SRC, "nagios", "options.def")).read()
    rows = re.findall(r"""^OPT\('(.)', ([01]), "([a-z-]+)", "([^"]*)",\s*"([^"]*)"\)""", text, re.M)
    assert rows and len(rows) == len(re.findall(r"^OPT\(", text, re.M)), "options.def rows unreadable"
    return [(letter, short == "1", name, arg, help) for letter, short, name, arg, help in rows]


def source_kinds():
    """The source kinds from plugin/src/conf/sources.def: (kind, arg, help)."""
    text = open(os.path.join(SRC, "plugin", "src", "conf", "sources.def")).read()
    rows = re.findall(r'^X\("([a-z]+)", "([^"]*)", [a-z_]+,\s*"([^"]*)"\)', text, re.M)
    assert rows and len(rows) == len(re.findall(r"^X\(", text, re.M)), "sources.def rows unreadable"
    return rows


def sections(text, heads):
    """Cut text at the lines that start with each of heads (in that order);
    returns {head: the lines up to the next head}."""
    lines = text.splitlines()
    found, at = {}, []
    for head in heads:
        start = next((i for i, line in enumerate(lines) if line.startswith(head) and
                      (not at or i > at[-1])), None)
        assert start is not None, f"no section {head!r} (in this order) in the help"
        at.append(start)
    for k, head in enumerate(heads):
        end = at[k + 1] if k + 1 < len(at) else len(lines)
        found[head] = lines[at[k]:end]
    return found


def flat(lines):
    return " ".join(" ".join(lines).split())


def t_help_layout_and_tables():
    code, out, err = check("--help")
    assert code == 3 and err == "", (code, err)
    long_lines = [line for line in out.splitlines() if len(line) > 80]
    assert not long_lines, long_lines
    assert not [line for line in out.splitlines() if line != line.rstrip()], "trailing blanks"
    heads = ["check_revocation ", "Copyright (c) ", "This plugin ", "Usage:", "Options:",
             "Sources (--source=SPEC):", "Thresholds:", "Metrics (", "Per-family metrics", "Examples:",
             "Read check_revocation(1)"]
    sec = sections(out, heads)
    assert re.fullmatch(r"check_revocation \S+ \(librevmon\)", sec["check_revocation "][0]), out[:80]
    usage = flat(sec["Usage:"])
    opts = sec["Options:"]
    for letter, short, name, arg, text in option_table():
        head = (f" -{letter}, --{name}" if short else f" --{name}") + (f"={arg}" if arg else "")
        assert head in opts, (head, opts)
        i = opts.index(head)
        body = []
        for line in opts[i + 1:]:
            if not line.startswith("    "):
                break
            body.append(line)
        assert flat(body) == " ".join(text.split()), (name, body)
        if name not in ("help", "version"):
            assert f"--{name}" in usage or (short and f"[-{letter}" in usage), (name, usage)
    kinds = sec["Sources (--source=SPEC):"]
    for kind, arg, text in source_kinds():
        assert f" {kind}{arg}" in kinds, (kind, kinds)
        i = kinds.index(f" {kind}{arg}")
        body = []
        for line in kinds[i + 1:]:
            if not line.startswith("    "):
                break
            body.append(line)
        assert flat(body) == text, (kind, body)
    for syntax in ("10:", "~:10", "10:20", "@10:20", "guidelines.html#THRESHOLDFORMAT"):
        assert syntax in flat(sec["Thresholds:"]), syntax
    metrics = [line.split()[0] for line in sec["Metrics ("][2:] if line.strip()]
    registry = [line.split()[0] for line in
                subprocess.run([REVMON, "metrics"], capture_output=True, text=True).stdout.splitlines()[1:]]
    assert metrics == registry, (metrics, registry)
    assert " revocation_lag_p95          s  warn 300 crit 900" in sec["Metrics ("], sec["Metrics ("]
    assert " stale_clients                  warn 0 crit 9" in sec["Metrics ("]
    support = flat(sec["Read check_revocation(1)"])
    assert "revmon.conf(5)" in support and "questions regarding use of this software" in support, support
    assert "@" not in support, "an address in the support block"
    code, out, _ = check("-V")
    assert code == 3 and out.startswith("check_revocation "), out


def t_manual_page_has_the_same_options_and_sources():
    """The manual page is generated from the same tables as the help."""
    assert os.path.exists(MAN), f"{MAN} not built (cmake --build ... --target man)"
    p = subprocess.run(["man", "-l", MAN], capture_output=True, text=True,
                       env=dict(ENV, MANWIDTH="200", MAN_KEEP_FORMATTING="", LC_ALL="C.UTF-8"))
    assert p.returncode == 0, p.stderr
    # undo groff's hyphenation (U+2010 at a line's end) and the line breaks
    page = " ".join(re.sub("\u2010\n\\s*", "", p.stdout).split())
    for letter, short, name, arg, text in option_table():
        head = (f"-{letter}, --{name}" if short else f"--{name}") + (f"={arg}" if arg else "")
        assert head in page, head
        assert " ".join(text.split()) in page, (name, text)
    for kind, arg, text in source_kinds():
        assert f"{kind}{arg} {text}" in page, (kind, text)


def t_simulator_default_is_deterministic_and_says_so():
    a = check("--no-state")
    b = check("--no-state")
    assert a == b, "two runs on the simulator differ"
    assert a[1].split(" - ", 1)[1].startswith("[simulated tenant]"), a[1][:100]
    code, out, _ = check("--no-state", "-v")
    assert "built-in tenant simulator, not from a real tenant" in out
    assert "Stuck clients" in out and "Latest revocations" in out
    assert "@contoso.example" not in out, "user names shown without --show-users"
    code, out, _ = check("--no-state", "-v", "--show-users")
    assert "@contoso.example" in out


def t_state_file_incremental_corrupt_and_locked():
    state = os.path.join(TMP, "s1.state")
    src = os.path.join(TMP, "growing.ndjson")
    lines = open(os.path.join(FIX, "critical.ndjson")).read().splitlines(keepends=True)
    open(src, "w").writelines(lines[:2])
    code, out, _ = check("--state-file", state, "--source", f"file:{src}")
    _, pd, _ = split(out)
    assert pd["events_ingested"][0] == 2, pd["events_ingested"]
    open(src, "a").writelines(lines[2:])
    code, out, _ = check("--state-file", state, "--source", f"file:{src}")
    _, pd, _ = split(out)
    assert pd["events_ingested"][0] == 5 and pd["events_duplicate"][0] == 0, out
    assert code == 2, out
    # corrupt: reported and replaced, the run goes on
    with open(state, "r+b") as f:
        f.seek(40)
        f.write(b"garbage!")
    code, out, _ = check("--state-file", state, "--source", f"file:{src}")
    assert "State file refused and replaced" in out and "corrupt" in out, out
    code, out, _ = check("--state-file", state, "--source", f"file:{src}")
    assert "refused" not in out, out
    # foreign: the state of another configuration
    code, out, _ = check("--state-file", state, "--source", f"file:{src}", "--set", "window=600")
    assert "belongs to another configuration" in out, out
    # concurrent runs on one state file wait for each other and all succeed
    results = []
    state = os.path.join(TMP, "s2.state")

    def run():
        results.append(check("--state-file", state, "--source", "sim", "--set", "sim_users=300"))
    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r[1].startswith("REVOCATION ") and "refused" not in r[1] for r in results), results
    # each run went on from the one before: the simulated clock moved on, a
    # minute a run (a quiet minute may bring no sign-in)
    seen = sorted(float(perfdata.parse(r[1].split("\n")[0].split("|")[1])["signins"][0]) for r in results)
    assert len(set(seen)) >= 3, seen
    assert not [f for f in os.listdir(TMP) if ".tmp." in f], os.listdir(TMP)


def t_state_survives_kill_and_full_disk():
    import random
    import resource
    import signal as sig
    state = os.path.join(TMP, "k.state")
    args = [CHECK, "--state-file", state, "--source", "sim", "--set", "sim_users=300"]
    rnd = random.Random(7)
    kills = 0
    t0 = time.monotonic()
    subprocess.run(args, capture_output=True, env=ENV)
    one = time.monotonic() - t0  # how long a run takes on this machine now
    for _ in range(40):
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        time.sleep(rnd.uniform(0.0, 1.2 * one))
        if p.poll() is None:
            p.send_signal(sig.SIGKILL)
            kills += 1
        p.wait()
        # whatever moment the kill hit, the state is the old one or the new one
        code, out, _ = check("--state-file", state, "--source", "sim", "--set", "sim_users=300")
        assert "refused" not in out, out
    assert kills >= 10, (kills, one)
    assert not [f for f in os.listdir(TMP) if f.startswith("k.state.tmp")], os.listdir(TMP)
    before = open(state, "rb").read()

    def small_disk():
        sig.signal(sig.SIGXFSZ, sig.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    p = subprocess.run(args, capture_output=True, text=True, env=ENV, preexec_fn=small_disk, timeout=120)
    assert p.returncode == 3 and "cannot save state" in p.stdout, (p.returncode, p.stdout[:300])
    assert open(state, "rb").read() == before, "a failed save damaged the previous state"
    code, out, _ = check("--state-file", state, "--source", "sim", "--set", "sim_users=300")
    assert "refused" not in out and code != 3, out


def t_default_state_dir_per_configuration():
    check("--source", fixture("ok.ndjson"))
    check("--source", fixture("warning.ndjson"))
    files = [f for f in os.listdir(ENV["REVMON_STATE_DIR"]) if f.endswith(".state")]
    assert len(files) >= 2, files
    mode = os.stat(os.path.join(ENV["REVMON_STATE_DIR"], files[0])).st_mode & 0o777
    assert mode == 0o600, oct(mode)
    # a state directory someone else could write to is refused
    shared = os.path.join(TMP, "shared-state")
    os.makedirs(shared)
    os.chmod(shared, 0o777)
    code, out, _ = check("--source", fixture("ok.ndjson"), env=dict(ENV, REVMON_STATE_DIR=shared))
    assert code == 3 and "not a private directory" in out, out


def t_state_file_directory_is_made():
    """--state-file in a directory that does not exist yet (one per service,
    as the Icinga 2 command gives): the check makes it, private; a missing
    parent is an error that names the option."""
    state = os.path.join(TMP, "per-service", "host-svc.state")
    code, out, _ = check("--state-file", state, "--source", fixture("ok.ndjson"))
    assert code == 0 and os.path.exists(state), out
    assert os.stat(os.path.dirname(state)).st_mode & 0o777 == 0o700
    code, out, _ = check("--state-file", os.path.join(TMP, "no", "such", "x.state"), "--source", fixture("ok.ndjson"))
    assert code == 3 and out.startswith("REVOCATION UNKNOWN - --state-file: cannot create the directory ") \
        and "No such file" in out, out


def t_extra_opts_and_config_file():
    ini = os.path.join(TMP, "plugins.ini")
    with open(ini, "w") as f:
        f.write("[check_revocation]\nwarning=lag_p95=30\ncritical=lag_p95=50\nno-state=\n"
                "[quiet]\nwarning=100000\ncritical=200000\n")
    code, out, _ = check("--extra-opts=@" + ini, "--source", fixture("ok.ndjson"))
    assert code == 2, out  # 60 s > 50
    code, out, _ = check("--extra-opts=quiet@" + ini, "--no-state", "--source", fixture("critical.ndjson"))
    assert code == 0, out
    # the command line overrides the ini file
    code, out, _ = check("--extra-opts=@" + ini, "--source", fixture("ok.ndjson"), "-c", "lag_p95=500")
    assert code == 1, out
    # monitoring-plugins' other form, the one Icinga 2 passes: the value apart
    code, out, _ = check("--extra-opts", "quiet@" + ini, "--no-state", "--source", fixture("critical.ndjson"))
    assert code == 0, out
    code, out, _ = check("--extra-opts", "--source", fixture("ok.ndjson"), env=dict(ENV, NAGIOS_CONFIG_PATH=TMP))
    assert code == 2, out  # a bare --extra-opts: the default section of the plugins.ini found
    code, out, _ = check("--extra-opts=nosuch@" + ini)
    assert code == 3 and "no section [nosuch]" in out, out
    conf = os.path.join(TMP, "two.conf")
    with open(conf, "w") as f:
        f.write(f"[a]\nsource = {fixture('ok.ndjson')}\n[b]\nsource = {fixture('critical.ndjson')}\n")
    code, out, _ = check("--no-state", "--config", conf)
    assert code == 3 and "choose one with --monitor" in out, out
    code, out, _ = check("--no-state", "--config", conf, "--monitor", "b")
    assert code == 2, out


def t_planted_lock_and_state_links_are_not_followed():
    """With --state-file in a shared directory, a planted X.state.lock link
    must not make the check create its target; a planted state link is not
    read; a lock or state file of another user is refused."""
    shared = os.path.join(TMP, "shared")
    os.makedirs(shared)
    os.chmod(shared, 0o1777)
    state = os.path.join(shared, "x.state")
    target = os.path.join(TMP, "created-by-the-check")
    os.symlink(target, state + ".lock")
    code, out, _ = check("--state-file", state, "--source", fixture("ok.ndjson"))
    assert not os.path.lexists(target), "the lock link's target was created"
    assert code == 3 and "x.state.lock" in out and "symbolic link" in out, out
    os.unlink(state + ".lock")
    code, out, _ = check("--state-file", state, "--source", fixture("ok.ndjson"))
    assert code == 0, out
    if os.geteuid() == 0:
        os.chown(state + ".lock", 65534, 65534)
        code, out, _ = check("--state-file", state, "--source", fixture("ok.ndjson"))
        assert code == 3 and "x.state.lock" in out and "refused" in out, out
        os.chown(state + ".lock", 0, 0)
        os.chown(state, 65534, 65534)
        code, out, _ = check("--state-file", state, "--source", fixture("ok.ndjson"))
        assert code == 3 and "owned by uid 65534" in out, out
        os.chown(state, 0, 0)
    os.rename(state, state + ".real")
    os.symlink(state + ".real", state)
    code, out, _ = check("--state-file", state, "--source", fixture("ok.ndjson"))
    assert code == 3 and "symbolic link" in out, out
    assert os.path.islink(state)


for t in (t_fixtures_drive_each_state, t_source_down_is_critical_and_unusable_is_unknown,
          t_perfdata_matches_registry_and_report, t_thresholds_on_any_metric,
          t_status_line_says_each_problem_once_in_words, t_long_output_lists_families_and_what_to_do,
          t_family_perfdata, t_list_stuck_lists_everyone,
          t_bad_arguments_are_unknown_with_usage, t_help_layout_and_tables,
          t_manual_page_has_the_same_options_and_sources,
          t_simulator_default_is_deterministic_and_says_so, t_state_file_incremental_corrupt_and_locked,
          t_state_survives_kill_and_full_disk, t_default_state_dir_per_configuration,
          t_state_file_directory_is_made, t_extra_opts_and_config_file, t_planted_lock_and_state_links_are_not_followed):
    TALLY.run(t)
subprocess.run(["rm", "-rf", TMP])
sys.exit(TALLY.summary())
