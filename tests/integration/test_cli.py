#!/usr/bin/env python3
"""The revmon command end to end: reports, JSON, simulate -> replay in every
shape, stdin, configuration files and refusals. Exits non-zero on failure and
ends with an 'N passed, N failed' line."""
import json
import os
import subprocess
import sys
import tempfile

from tally import Tally

BIN = sys.argv[1]
SIM = ["--set", "sim_users=300", "--set", "sim_duration=5h", "--set", "sim_mass_revocation=2h"]
TALLY = Tally()


def run(*args, stdin=None, expect=0):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, timeout=300)
    if expect is not None and p.returncode != expect:
        raise AssertionError(f"{args}: exit {p.returncode}, expected {expect}\n"
                             f"stderr: {p.stderr.decode(errors='replace')[:2000]}")
    return p


def report_json(*args, stdin=None):
    p = run("report", "--json", *args, stdin=stdin)
    return json.loads(p.stdout)


def counters(doc):
    m = doc["monitors"][0]["metrics"]
    return {k: v["value"] for k, v in m.items() if v["kind"] == "counter"}


def registry_names():
    out = run("metrics").stdout.decode().splitlines()[1:]
    return [line.split()[0] for line in out]


def t_version_help():
    assert run("--version").stdout.startswith(b"revmon ")
    assert b"report" in run("--help").stdout
    assert b"not a command" in run("bogus", expect=2).stderr
    assert b"usage" in run(expect=2).stderr


def t_default_report_says_simulated():
    out = run("report", *SIM).stdout.decode()
    assert "SIMULATED DATA" in out, out[:300]
    for name in registry_names():
        assert f"  {name} " in out, name


def t_json_has_every_metric_and_is_deterministic():
    a = report_json(*SIM)
    b = report_json(*SIM)
    assert a == b, "two runs of the same seeded simulator differ"
    mon = a["monitors"][0]
    assert mon["simulated"] is True
    assert mon["sources"][0] == {"name": "sim", "up": True, "simulated": True, "error": None}
    names = registry_names()
    assert list(mon["metrics"]) == names
    assert mon["metrics"]["signins"]["value"] > 1000
    assert mon["metrics"]["revocations"]["value"] > 0
    assert mon["metrics"]["probe_access_lag"]["value"] is None  # no drill in this source
    c = report_json(*SIM, "--set", "sim_seed=2")
    assert counters(c) != counters(a), "another seed gives the same tenant"


def t_simulate_replay_every_shape():
    want = counters(report_json(*SIM))
    with tempfile.TemporaryDirectory() as d:
        for shape in ("ndjson", "graph", "eventhub", "pt1h"):
            path = os.path.join(d, f"{shape}.json")
            run("simulate", "--shape", shape, "--out", path, "-q", *SIM)
            got = counters(report_json("--source", f"file:{path}"))
            # Graph pages keep sign-ins and audits apart, so a 50173 can be
            # read before its audit event: "inferred" counts exactly that.
            got.pop("revocations_inferred")
            want_here = dict(want)
            want_here.pop("revocations_inferred")
            assert got == want_here, f"{shape}: " + ", ".join(
                f"{k} {got[k]} != {want[k]}" for k in want_here if got[k] != want[k])
        # the same export through stdin and as a directory tree
        with open(os.path.join(d, "pt1h.json"), "rb") as f:
            got = counters(report_json("--source", "file:-", stdin=f.read()))
        assert got == want, "stdin replay differs"
        # a directory tree whose files overlap, as re-exported windows do:
        # the overlap is dropped by record id
        tree = os.path.join(d, "tree", "y=2026")
        os.makedirs(tree)
        with open(os.path.join(d, "pt1h.json"), "rb") as f:
            lines = f.read().splitlines(keepends=True)
        with open(os.path.join(tree, "PT1H.json"), "wb") as f:
            f.writelines(lines)
        with open(os.path.join(d, "tree", "overlap.json"), "wb") as f:
            f.writelines(lines[-500:])
        got = counters(report_json("--source", "file:" + os.path.join(d, "tree")))
        assert got["events_ingested"] == want["events_ingested"], got
        assert got["events_duplicate"] == 500, got


def t_refusals_name_the_key():
    p = run("report", "--set", "windwo=5", expect=2)
    assert b"windwo: unknown configuration key" in p.stderr, p.stderr
    p = run("report", "--set", "window=5", expect=2)
    assert b"window: 5 is out of range" in p.stderr, p.stderr
    p = run("report", "--source", "file:/nonexistent/x.json", expect=1)
    assert b"source down: /nonexistent/x.json: No such file" in p.stderr, p.stderr
    assert b"file:/nonexistent/x.json" in p.stdout and b"DOWN" in p.stdout
    p = run("report", "--timeout", "soon", expect=2)
    assert b"--timeout" in p.stderr
    p = run("simulate", "--shape", "xml", expect=2)
    assert b"not a shape" in p.stderr
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
        f.write("[a]\nsource = sim\nlag_window = soon\n")
        f.flush()
        p = run("report", "--config", f.name, expect=2)
        assert f"{f.name}:3: lag_window: 'soon' is not a duration".encode() in p.stderr, p.stderr


def t_config_file_with_two_monitors():
    with tempfile.TemporaryDirectory() as d:
        exp = os.path.join(d, "x.ndjson")
        run("simulate", "--out", exp, "-q", *SIM)
        conf = os.path.join(d, "r.conf")
        with open(conf, "w") as f:
            f.write("# two tenants\nsim_users = 300\nsim_duration = 5h\nsim_mass_revocation = 2h\n"
                    "[demo]\nsource = sim\n[replayed]\nsource = \"file:%s\"\n" % exp)
        doc = report_json("--config", conf)
        names = [m["monitor"] for m in doc["monitors"]]
        assert names == ["demo", "replayed"], names
        assert doc["monitors"][0]["simulated"] and not doc["monitors"][1]["simulated"]
        a = {k: v["value"] for k, v in doc["monitors"][0]["metrics"].items() if v["kind"] == "counter"}
        b = {k: v["value"] for k, v in doc["monitors"][1]["metrics"].items() if v["kind"] == "counter"}
        assert a == b


def t_verbose_lists_revocations_and_stuck_clients():
    out = run("report", "-v", *SIM).stdout.decode()
    assert "recent revocations (newest first)" in out
    assert "stuck clients" in out


STUCK_FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "nagios", "stuck.ndjson")
COLUMNS = ["user", "app", "platform", "device", "revoked", "first_refusal", "last_refusal", "presentations"]
# a simulated tenant with more stuck clients than a snapshot lists (100)
MANY_STUCK = ["--set", "sim_users=3000", "--set", "sim_stuck_share=0.6", "--set", "sim_mass_share=0.6"]


def t_stuck_lists_every_client():
    import csv
    import io
    import re
    src = ["--source", "file:" + STUCK_FIX]
    rows = json.loads(run("stuck", "--json", *src).stdout)
    assert isinstance(rows, list) and len(rows) == 3, rows
    assert all(list(r) == COLUMNS for r in rows), rows
    assert rows[0] == {"user": "alice@contoso.example", "app": "Outlook for iOS and Android", "platform": "iOS",
                       "device": "1f0c7a52-3b1e-4c55-9e0a-0000000000a1", "revoked": "2026-03-04T09:00:00Z",
                       "first_refusal": "2026-03-04T10:30:00Z", "last_refusal": "2026-03-04T11:20:00Z",
                       "presentations": 3}, rows[0]
    assert [r["user"] for r in rows] == ["alice@contoso.example", "bob@contoso.example", "dave@contoso.example"]
    rfc3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    assert all(rfc3339.match(r[k]) for r in rows for k in ("revoked", "first_refusal", "last_refusal")), rows
    raw = run("stuck", "--csv", *src).stdout.decode()
    assert raw.startswith(",".join(COLUMNS) + "\r\n"), raw[:100]
    table = list(csv.reader(io.StringIO(raw, newline="")))
    assert table[0] == COLUMNS and len(table) == 4, table
    assert [dict(zip(COLUMNS, r)) for r in table[1:]] == [{k: str(v) for k, v in r.items()} for r in rows]
    out = run("stuck", *src).stdout.decode()
    assert "3 clients stuck on revoked grants" in out and out.splitlines()[1].startswith("user  "), out
    assert out.count("@contoso.example") == 3 and "first_refusal" in out, out
    # all of them, past the 100 a report lists
    rows = json.loads(run("stuck", "--json", *MANY_STUCK).stdout)
    total = report_json(*MANY_STUCK)["monitors"][0]["metrics"]["stale_clients"]["value"]
    assert total > 100 and len(rows) == total, (len(rows), total)
    # RFC 4180 quoting of what the logs may hold
    with tempfile.TemporaryDirectory() as d:
        odd = os.path.join(d, "odd.ndjson")
        with open(STUCK_FIX) as f, open(odd, "w") as g:
            g.write(f.read().replace('"Microsoft Office"', '"Office, \\"the\\" suite"'))
        raw = run("stuck", "--csv", "--source", "file:" + odd).stdout.decode()
        assert '"Office, ""the"" suite"' in raw, raw
        table = list(csv.reader(io.StringIO(raw, newline="")))
        assert table[3][1] == 'Office, "the" suite' and len(table[3]) == len(COLUMNS), table
        assert json.loads(run("stuck", "--json", "--source", "file:" + odd).stdout)[2]["app"] == 'Office, "the" suite'
    # nothing stuck: an empty list, a header
    assert json.loads(run("stuck", "--json", "--set", "sim_mass_revocation=0", "--set", "sim_stuck_share=0",
                          "--set", "sim_users=50", "--set", "sim_duration=1h").stdout) == []
    assert run("report", "--csv", expect=2).stderr.startswith(b"revmon: --csv")


def t_report_shows_families_and_more():
    out = run("report", "--source", "file:" + STUCK_FIX).stdout.decode()
    assert "client families with stale activity (app on platform): 2" in out, out
    assert ("Outlook for iOS and Android on iOS: stale_clients=2 stale_presentations=6 stale_tokens_live=1 "
            "stale_tokens_live_cae=0") in out, out
    mon = report_json("--source", "file:" + STUCK_FIX)["monitors"][0]
    assert [f["label"] for f in mon["families"]] == ["Outlook for iOS and Android on iOS", "Microsoft Office on macOS"]
    assert mon["families"][1]["metrics"]["stale_clients"] == 1 and mon["stuck_total"] == 3, mon["families"]
    out = run("report", "-v", *MANY_STUCK).stdout.decode()
    total = report_json(*MANY_STUCK)["monitors"][0]["metrics"]["stale_clients"]["value"]
    assert f"stuck clients (oldest revocation first): {total}\n" in out
    assert f"    and {total - 100} more (revmon stuck lists them all)\n" in out, out[-2000:]


def t_silent_stdin_never_hangs():
    import time
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen([BIN, "report", "--source", "file:-", "--timeout", "1", "-q"],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
        t0 = time.monotonic()
        try:
            p.wait(timeout=30)  # stdin stays open and silent
        finally:
            p.kill()
            p.stdin.close()
        err.seek(0)
        msg = err.read()
    assert p.returncode == 1, (p.returncode, msg)
    assert time.monotonic() - t0 < 10
    assert b"timed out after 1 s" in msg, msg


def t_symlink_loops_end_quickly():
    """Two links to "." make 2^33 paths through a tree: each directory is
    read once, so the report ends well within its --timeout, every record
    once, and the loop is logged once."""
    import time
    with tempfile.TemporaryDirectory() as d:
        tree = os.path.join(d, "d")
        os.makedirs(os.path.join(tree, "sub"))
        run("simulate", "--shape", "pt1h", "--out", os.path.join(tree, "sub", "PT1H.json"), "-q",
            "--set", "sim_users=40", "--set", "sim_duration=1h")
        want = counters(report_json("--source", "file:" + os.path.join(tree, "sub")))
        os.symlink(".", os.path.join(tree, "s1"))
        os.symlink(".", os.path.join(tree, "s2"))
        os.symlink("..", os.path.join(tree, "sub", "up"))
        t0 = time.monotonic()
        try:
            p = subprocess.run([BIN, "report", "--json", "--timeout", "4", "--source", "file:" + tree],
                               capture_output=True, timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError("still running 30 s later, despite --timeout 4")
        took = time.monotonic() - t0
        assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
        got = counters(json.loads(p.stdout))
    assert took < 4, f"{took:.1f} s"
    assert got["events_ingested"] == want["events_ingested"] and got["events_duplicate"] == 0, got
    assert p.stderr.count(b"already read") == 1, p.stderr[-2000:]


def t_readme_tables_match_the_code():
    import re
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md")).read()
    for tag, args in (("metrics", ["metrics", "--markdown"]), ("keys", ["keys", "--markdown"])):
        m = re.search(rf"<!-- {tag}:begin -->\n(.*?)<!-- {tag}:end -->", readme, re.S)
        assert m, f"README lacks the {tag} table"
        assert m.group(1) == run(*args).stdout.decode(), \
            f"README {tag} table is stale: run scripts/update-readme.sh"


for t in (t_version_help, t_readme_tables_match_the_code, t_silent_stdin_never_hangs, t_default_report_says_simulated,
          t_json_has_every_metric_and_is_deterministic, t_simulate_replay_every_shape,
          t_refusals_name_the_key, t_config_file_with_two_monitors,
          t_verbose_lists_revocations_and_stuck_clients, t_symlink_loops_end_quickly,
          t_stuck_lists_every_client, t_report_shows_families_and_more):
    TALLY.run(t)
sys.exit(TALLY.summary())
