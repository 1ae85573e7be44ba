#!/usr/bin/env python3
"""The wall pictures of revmon through collectd, end to end.

Runs the real `collectd -f` with revmon.so on the documented demo run
(collectd/graphs/demo.conf: six simulated hours of the 2,000-user tenant
with its mass revocation, in under two minutes), with the stock rrdtool and
write_prometheus plugins (on a free loopback port) and, when it is
installed, a real Prometheus scraping it. Then:

  * renders every graph of collectd/graphs/revmon-graphs from the RRDs and
    checks each one: rrdtool graphv's axis starts at 0 and is scaled to the
    data (the peak of the main series, read from the RRDs by rrdtool, fills
    at least 40 % of the height; the lag axis reaches the SLO line), the
    legend has its LAST/MAX/AVERAGE figures and one entry per stuck family,
    and the PNG itself (decoded here: zlib, no imaging library) has data
    drawn across most of the time axis and up to the peak's height;
  * scrapes write_prometheus's /metrics and finds every registry metric (from
    `revmon metrics`, whatever it holds) under the name collectd gives it,
    collectd_revmon_<type>[_<data source>][_total] with labels revmon=<block>,
    type=<metric> and instance=<host>, and the per-family values as
    type=<metric>-<family>;
  * loads collectd/grafana/revmon.json, checks its structure, and that every
    selector of every panel's PromQL names a metric and labels the scrape
    has; with Prometheus, every expression evaluates, through its HTTP API,
    to a non-empty answer, and every panel override applies to one of the
    series the panel's queries name;
  * the pixel check fails on the two-minute demo drawn on a six-hour axis.

Writes the PNGs to --keep's directory when asked (to look at them). Prints
one line per check, ends with 'N passed, N failed'; exits 0 only when all
passed, 77 when the daemon or a needed plugin cannot run here."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import collectd_daemon
import png_plot
import prometheus_host

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tally import Tally  # noqa: E402

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.join(HERE, "..", "..", "..")
DEMO = os.path.join(TOP, "collectd", "graphs", "demo.conf")
GRAPHS = os.path.join(TOP, "collectd", "graphs", "revmon-graphs")
DASHBOARD = os.path.join(TOP, "collectd", "grafana", "revmon.json")
TYPES_DB = "/usr/share/collectd/types.db"
BLOCK = "demo"
# The demo's reads: the first covers 30 simulated minutes, each later one 3.
READS_FOR_SIX_HOURS = 1 + (360 - 30) // 3

ap = argparse.ArgumentParser()
ap.add_argument("--revmon", required=True, help="the revmon command")
ap.add_argument("--plugin", required=True, help="the built revmon.so")
ap.add_argument("--collectd", default="/usr/sbin/collectd")
ap.add_argument("--collectdctl", default="collectdctl")
ap.add_argument("--preload", help="library to LD_PRELOAD into the daemon (ASan runtime)")
ap.add_argument("--rrdtool", default="rrdtool")
ap.add_argument("--prometheus", default="prometheus")
ap.add_argument("--keep", action="store_true", help="keep the temporary directory (and PNGs)")
opts = ap.parse_args()

TALLY = Tally()


def check(name, fn, *args):
    return TALLY.run(fn, name, *args)


def run(*args, timeout=120):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: exit {p.returncode}: {p.stderr[:2000]}")
    return p.stdout


def loads(so):
    """A stock plugin whose libraries are all there (collectd-core only
    recommends them)."""
    path = os.path.join("/usr/lib/collectd", so)
    if not os.path.exists(path):
        return False
    return "not found" not in subprocess.run(["ldd", path], capture_output=True,
                                             text=True).stdout


# ---------------------------------------------------------------- the run

def demo_blocks():
    """The <Plugin revmon> body of the documented demo run, as shipped."""
    with open(DEMO) as f:
        text = f.read()
    return text[text.index("<Plugin revmon>") + len("<Plugin revmon>"):text.index("</Plugin>")]


def stock_plugins(tmp, port):
    return f"""LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "{tmp}/rrd"
</Plugin>
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "{port}"
</Plugin>
"""


def main_run(tmp):
    port = prometheus_host.free_port()
    d = collectd_daemon.Daemon(tmp, opts.collectd, opts.collectdctl, opts.plugin, demo_blocks(),
                               preload=opts.preload, stock=stock_plugins(tmp, port))
    prom = None
    if shutil.which(opts.prometheus):
        prom = prometheus_host.Prometheus(opts.prometheus, tmp, f"127.0.0.1:{port}")
    else:
        print("     (prometheus not installed: the dashboard's queries are not evaluated)")
    t0 = int(time.time())
    try:
        d.wait(f"{READS_FOR_SIX_HOURS} reads of the demo block (six simulated hours)",
               lambda: len(d.csv_values(BLOCK, "derive", "signins")) >= READS_FOR_SIX_HOURS,
               300)
        page = {}
        if check("write_prometheus serves /metrics", lambda: page.update(prometheus_host.scrape(port))):
            check("Prometheus names: every registry metric, with block and type labels",
                  prom_names, page)
            check("Prometheus names: the per-family values, type=<metric>-<family>",
                  prom_families, page)
            check("Prometheus values: the demo's counters and gauges", prom_values, page)
            check("Grafana dashboard: valid, and every selector is in the scrape",
                  dashboard_selectors, page)
        if prom:
            check("Grafana dashboard: every query answers in a real Prometheus",
                  dashboard_queries, prom)
    finally:
        if prom:
            prom.stop()
        rc = d.stop()
    t1 = int(time.time())
    check("the demo daemon exits 0 on SIGTERM", lambda: exit_zero(rc, d))
    graphs(tmp, d, t0, t1)


def exit_zero(rc, d):
    assert rc == 0, f"exit status {rc}:\n{d.log()[-2000:]}"


# ---------------------------------------------------------------- graphs

def graphv(text):
    """rrdtool graphv's `key = value` lines as a dict (strings unquoted)."""
    out = {}
    for line in text.splitlines():
        if " = " in line:
            k, v = line.split(" = ", 1)
            out[k] = v[1:-1] if v.startswith('"') else float(v)
    return out


def render(tmp, rrd_dir, t0, t1, name="graphs"):
    """Every shipped graph, with the grid made transparent so that every
    non-white pixel of the plotted area is data (or a rule)."""
    out = os.path.join(tmp, name)
    text = run(GRAPHS, "-i", "-s", str(t0), "-e", str(t1), "-w", "SIMULATED DATA",
               rrd_dir, out, "--", "--color", "GRID#FFFFFF00", "--color", "MGRID#FFFFFF00")
    info, name = {}, None
    for line in text.splitlines():
        if line.startswith("== "):
            name = os.path.basename(line[3:])
            info[name] = []
        elif name:
            info[name].append(line)
    return out, {k: graphv("\n".join(v)) for k, v in info.items()}


def data_max(rrd, ds, t0, t1):
    """The largest value of rrd's ds between t0 and t1, as rrdtool says."""
    out = run(opts.rrdtool, "graph", "/dev/null", "-s", str(t0), "-e", str(t1),
              f"DEF:x={rrd}:{ds}:AVERAGE", "VDEF:m=x,MAXIMUM", "PRINT:m:%lf")
    return float(out.splitlines()[-1])


def legend_max(g, entry):
    """The figure after 'max' on the legend line that follows entry."""
    keys = sorted((k for k in g if k.startswith("legend[")), key=lambda k: int(k[7:-1]))
    texts = [g[k] for k in keys]
    i = next(i for i, t in enumerate(texts) if entry in t)
    return float(next(t for t in texts[i + 1:] if t.startswith("max")).split()[1])


def graphs(tmp, d, t0, t1):
    rrd_dir = os.path.join(tmp, "rrd", collectd_daemon.HOST, f"revmon-{BLOCK}")
    found = {}
    if not check("revmon-graphs renders every graph from the demo's RRDs",
                 lambda: found.update(zip(("out", "info"), render(tmp, rrd_dir, t0, t1)))):
        return
    out, info = found["out"], found["info"]
    check("graphs: storm.png, stuck.png and lag.png, all axes from 0",
          lambda: graph_set(info))
    rrd = lambda name: os.path.join(rrd_dir, name + ".rrd")  # noqa: E731
    check("graphs: storm: the rate fills the picture, across the run, with its legend",
          graph_storm, out, info["storm.png"], data_max(rrd("gauge-reauth_rate"), "value", t0, t1),
          data_max(rrd("gauge-reauth_storm_ratio"), "value", t0, t1))
    check("graphs: stuck: stacked per family, a legend entry each, the total on top",
          graph_stuck, out, info["stuck.png"], rrd_dir,
          data_max(rrd("count-stale_clients"), "value", t0, t1), t0, t1)
    check("graphs: lag: p50/p95 in minutes, the 15-minute SLO line in view",
          graph_lag, out, info["lag.png"],
          data_max(rrd("duration-revocation_lag_p95"), "seconds", t0, t1) / 60)
    check("the pixel check sees a squeezed picture: the demo over six hours fails it",
          graph_squeezed, tmp, rrd_dir, t1)
    check("revmon-graphs: a directory without revmon's files is refused, naming the file",
          graphs_refuse, tmp)
    if opts.keep:
        print(f"     (graphs in {out})")


def graph_set(info):
    assert sorted(info) == ["lag.png", "storm.png", "stuck.png"], sorted(info)
    for name, g in info.items():
        assert g["value_min"] == 0, f"{name}: axis from {g['value_min']}"
        assert g["value_max"] > 0, f"{name}: axis up to {g['value_max']}"


def scaled(name, g, peak):
    """The peak is drawn within the axis and fills at least 40 % of it."""
    assert 0 < peak <= g["value_max"], f"{name}: peak {peak}, axis to {g['value_max']}"
    assert peak >= 0.4 * g["value_max"], \
        f"{name}: peak {peak} squeezed under an axis to {g['value_max']}"


def drawn(out, name, g, peak_share, spread=0.8):
    """Data is drawn over at least spread of the time axis (not squeezed into
    a few pixels) and up to the peak's height."""
    cols, height = png_plot.plotted(os.path.join(out, name), g)
    assert cols >= spread, f"{name}: data drawn over {cols:.0%} of the time axis"
    assert height >= 0.9 * peak_share, \
        f"{name}: data drawn up to {height:.0%} of the height, the peak is at {peak_share:.0%}"
    return cols, height


def graph_storm(out, g, rate_max, ratio_max):
    scaled("storm.png", g, rate_max)
    cols, height = drawn(out, "storm.png", g, rate_max / g["value_max"])
    assert ratio_max >= 3, f"the demo's storm ratio peaked at {ratio_max} (no storm?)"
    assert abs(legend_max(g, "sign-ins/min") - rate_max) < 0.06, \
        f"legend max {legend_max(g, 'sign-ins/min')}, data {rate_max}"
    assert abs(legend_max(g, "storm ratio") - ratio_max) < 0.006
    assert any("baseline" in v for k, v in g.items() if k.startswith("legend["))
    print(f"     storm: peak {rate_max:.1f} sign-ins/min (axis {g['value_max']:.0f}), ratio "
          f"{ratio_max:.1f}; drawn over {cols:.0%} of the run, {height:.0%} high")


def graph_stuck(out, g, rrd_dir, total_max, t0, t1):
    scaled("stuck.png", g, total_max)
    # Clients are stuck only stuck_after (1 h) after their revocation: the
    # first simulated hour has none.
    drawn(out, "stuck.png", g, total_max / g["value_max"], spread=0.5)
    legends = [v for k, v in g.items() if k.startswith("legend[")]
    stuck = [f for f in os.listdir(rrd_dir) if f.startswith("count-stale_clients-")
             and data_max(os.path.join(rrd_dir, f), "value", t0, t1) > 0]
    assert len(stuck) >= 2, f"the demo has {len(stuck)} families with stuck clients"
    for f in stuck:
        label = f[len("count-stale_clients-"):-len(".rrd")].replace("_", " ")
        assert any(v.strip() == label for v in legends), f"no legend entry '{label}'"
    assert legend_max(g, "all stuck clients") == total_max
    print(f"     stuck: {len(stuck)} families, up to {total_max:.0f} clients")


def graph_lag(out, g, p95_max):
    assert g["value_max"] >= 15, f"lag axis to {g['value_max']} min hides the 15-min SLO"
    scaled("lag.png", g, max(p95_max, 15))
    drawn(out, "lag.png", g, p95_max / g["value_max"])
    assert any("SLO 15 min" in v for k, v in g.items() if k.startswith("legend["))
    assert abs(legend_max(g, "p95") - p95_max) < 0.06
    print(f"     lag: p95 up to {p95_max:.1f} min (axis {g['value_max']:.0f} min)")


def graph_squeezed(tmp, rrd_dir, t1):
    """The old recipe's range (the last six hours) puts the two-minute demo
    into a few pixels: the check that the shipped range passes must fail."""
    out, info = render(tmp, rrd_dir, t1 - 6 * 3600, t1, name="six-hours")
    try:
        drawn(out, "storm.png", info["storm.png"], 0)
    except AssertionError as e:
        print(f"     (as it should: {e})")
        return
    raise AssertionError("a two-minute run on a six-hour axis passed the pixel check")


def graphs_refuse(tmp):
    empty = os.path.join(tmp, "revmon-nothing")
    os.makedirs(empty)
    p = subprocess.run([GRAPHS, empty, os.path.join(tmp, "none")], capture_output=True,
                       text=True)
    assert p.returncode == 2 and "gauge-reauth_rate.rrd: missing" in p.stderr, \
        (p.returncode, p.stderr)
    p = subprocess.run([GRAPHS, "-S", "soon", empty, tmp], capture_output=True, text=True)
    assert p.returncode == 2 and "-S: 'soon'" in p.stderr, (p.returncode, p.stderr)


# ---------------------------------------------------------------- Prometheus

def types_db():
    """{type: (data source name, DS type)} of the one-value types."""
    out = {}
    with open(TYPES_DB) as f:
        for line in f:
            tok = line.split()
            if len(tok) == 2 and not tok[0].startswith("#"):
                name, ds_type = tok[1].split(":")[:2]
                out[tok[0]] = (name, ds_type)
    return out


def registry(*args):
    """[(name, collectd type)] from `revmon metrics [--families]`."""
    out = []
    for line in run(opts.revmon, "metrics", *args).splitlines()[1:]:
        tok = line.split()
        col = next(i for i in range(2, len(tok)) if tok[i].isdigit())
        out.append((tok[0], tok[col + 1]))
    return out


def prom_name(ctype):
    """collectd's write_prometheus name of a revmon value of type ctype:
    collectd_<plugin>_<type>, then _<data source> unless it is 'value',
    then _total for cumulative types."""
    ds, ds_type = types_db()[ctype]
    name = f"collectd_revmon_{ctype}" + ("" if ds == "value" else f"_{ds}")
    return name + ("_total" if ds_type in ("DERIVE", "COUNTER") else "")


def series(page, name, **labels):
    return {k: v for k, v in page.items() if k[0] == name and
            all((lk, lv) in k[1] for lk, lv in labels.items())}


def prom_names(page):
    missing = []
    for metric, ctype in registry():
        got = series(page, prom_name(ctype), revmon=BLOCK, type=metric,
                     instance=collectd_daemon.HOST)
        if len(got) != 1:
            missing.append(f"{prom_name(ctype)}{{type=\"{metric}\"}}: {len(got)} series")
    assert not missing, "; ".join(missing)
    names = sorted({k[0] for k in page if k[0].startswith("collectd_revmon_")})
    print(f"     metric names: {', '.join(names)}")


def prom_families(page):
    for metric, ctype in registry("--families"):
        got = [dict(k[1])["type"] for k in series(page, prom_name(ctype), revmon=BLOCK)]
        fams = [t for t in got if t.startswith(metric + "-")]
        assert fams, f"{prom_name(ctype)}: no type=\"{metric}-<family>\" among {got[:5]}"
    print(f"     e.g. {prom_name('count')}{{revmon=\"{BLOCK}\",type=\"{fams[0]}\"}}")


def prom_values(page):
    def one(ctype, metric):
        (v,) = series(page, prom_name(ctype), revmon=BLOCK, type=metric).values()
        return v
    assert one("gauge", "source_up") == 1
    assert one("derive", "signins") > 10000, one("derive", "signins")
    assert one("derive", "revocations") > 100, one("derive", "revocations")
    assert one("duration", "revocation_lag_p95") > 0


def dashboard():
    with open(DASHBOARD) as f:
        dash = json.load(f)
    panels = dash["panels"]
    assert dash.get("title") and dash.get("uid") and panels, "title, uid and panels"
    names = {v["name"] for v in dash["templating"]["list"]}
    assert {"datasource", "block"} <= names, names
    for p in panels:
        assert p.get("title") and p.get("targets"), f"panel {p.get('id')}: title and targets"
        for t in p["targets"]:
            assert t["datasource"]["uid"] == "${datasource}", (p["title"], t["datasource"])
    return dash


def exprs(dash, block=".+"):
    """Every panel query, with the dashboard's variables as Grafana fills them."""
    out = []
    for p in dash["panels"]:
        for t in p["targets"]:
            e = t["expr"].replace("$block", block).replace("$__rate_interval", "1m")
            assert "$" not in e.replace("$1", ""), f"{p['title']}: unknown variable in {e}"
            out.append((p["title"], e))
    return out


def selectors(expr):
    """(metric, [(label, op, value)]) of each selector of expr."""
    out = []
    for m in re.finditer(r'\b(collectd_[a-zA-Z0-9_]+)\s*(\{[^}]*\})?', expr):
        matchers = re.findall(r'([a-zA-Z_]+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"',
                              m.group(2) or "")
        out.append((m.group(1), matchers))
    return out


def matches(labels, matchers):
    lab = dict(labels)
    for k, op, v in matchers:
        got = lab.get(k, "")
        ok = {"=": got == v, "!=": got != v, "=~": re.fullmatch(v, got) is not None,
              "!~": re.fullmatch(v, got) is None}[op]
        if not ok:
            return False
    return True


def dashboard_selectors(page):
    dash = dashboard()
    n = 0
    for title, e in exprs(dash):
        sels = selectors(e)
        assert sels, f"{title}: no collectd metric in {e}"
        for metric, matchers in sels:
            hits = [k for k in page if k[0] == metric and matches(k[1], matchers)]
            assert hits, f"{title}: {metric}{matchers} matches nothing in the scrape"
            n += 1
    print(f"     {len(dash['panels'])} panels, {n} selectors")


def legend_names(fmt, results):
    """The series names Grafana shows for a legendFormat over results."""
    return {re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: r["metric"].get(m.group(1), ""), fmt)
            for r in results}


def override_matches(matcher, names):
    kind, opt = matcher["id"], matcher["options"]
    if kind == "byName":
        return opt in names
    assert kind == "byRegexp", f"override matcher {kind} is not checked here"
    # Grafana: "/re/flags" searches, a bare pattern must match whole.
    m = re.fullmatch(r"/(.*)/[a-z]*", opt)
    return any(re.search(m.group(1), n) if m else re.fullmatch(opt, n) for n in names)


def answer(prom, title, e, end):
    got = prom.query(e)
    # rate() needs two scrapes in its range: give it a few seconds.
    while not got and time.monotonic() < end:
        time.sleep(1)
        got = prom.query(e)
    assert got, f"{title}: {e} answers nothing"
    fam = [r["metric"].get("family") for r in got]
    if "label_replace" in e:
        assert all(fam) and len(set(fam)) >= 2, f"{title}: families {fam}"
    return got


def dashboard_queries(prom):
    """Every query answers, and every override of a panel applies to one of
    the series its queries name."""
    dash = dashboard()
    end = time.monotonic() + 60
    while not prom.up():
        assert prom.proc.poll() is None and time.monotonic() < end, \
            "Prometheus never scraped collectd:\n" + open(prom.log_path).read()[-2000:]
        time.sleep(1)
    n = 0
    for p in dash["panels"]:
        names = set()
        for t, (title, e) in zip(p["targets"], exprs({"panels": [p]})):
            names |= legend_names(t["legendFormat"], answer(prom, title, e, end))
            n += 1
        for o in p["fieldConfig"]["overrides"]:
            assert override_matches(o["matcher"], names), \
                f"{p['title']}: override {o['matcher']} matches none of {sorted(names)}"
    print(f"     {n} queries answered, e.g. series {sorted(names)[:2]}")


def main():
    for tool in (opts.collectd, opts.plugin, opts.revmon):
        if not os.path.exists(tool):
            print(f"skipped: {tool} not found")
            return SKIP
    for so in ("rrdtool.so", "write_prometheus.so"):
        if not loads(so):
            print(f"skipped: collectd's {so} cannot load here (librrd8, libmicrohttpd12)")
            return SKIP
    if not shutil.which(opts.rrdtool):
        print("skipped: the rrdtool command is not installed")
        return SKIP
    if opts.preload and not os.path.exists(opts.preload):
        print(f"skipped: {opts.preload} (the ASan runtime) not found")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="revmon-dashboards-")
    try:
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
