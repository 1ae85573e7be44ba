"""A real snmpd AgentX master and revmon-agentx in a temporary directory,
on loopback only, plus the expected values from `revmon report --json`.

Nothing is written outside the temporary directory: snmpd, the subagent and
the client tools all get their own persistent directory (net-snmp would
otherwise create /var/lib/snmp/cert_indexes)."""
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BASE = ".1.3.6.1.4.1.8072.9999.9999.1"
TABLE = BASE + ".1.2.1"
FAMILY = BASE + ".1.3.1"
SCALAR = BASE + ".1.1"
LINE = re.compile(r"^(\.[0-9.]+) = (?:([A-Za-z][A-Za-z0-9-]*): )?(.*)$")


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def run_rig(rig, body, logs=("agent.log", "snmpd.log"), keep=False):
    """Run body() against rig and exit: 0 when it passed; on a Fail, print it
    with the named logs and keep the rig's directory."""
    ok = False
    try:
        body()
        ok = True
    except Fail as e:
        print("FAIL: %s" % e)
        print("".join("--- %s\n%s" % (name, rig.log(name)) for name in logs), end="")
    finally:
        rig.close(keep=keep or not ok)
        if not ok:
            print("(kept %s)" % rig.tmp)
    sys.exit(0 if ok else 1)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def round_half_away(x):
    """C's round() for the non-negative values gauges take."""
    f = math.floor(x)
    return int(f + 1 if x - f >= 0.5 else f)


def gauge32(value, scale):
    v = round_half_away(value * scale) if value > 0 else 0
    return min(v, 2**32 - 1)


def date_and_time(ms):
    t = time.gmtime(ms // 1000)
    return bytes([t.tm_year >> 8, t.tm_year & 0xff, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min,
                  t.tm_sec, (ms % 1000) // 100, ord("+"), 0, 0])


def registry(revmon):
    """name -> (kind, column, scale) from `revmon metrics --markdown`; kind is
    counter, gauge, or boolean (a gauge in SNMP units "boolean", served as
    TruthValue)."""
    out = subprocess.run([revmon, "metrics", "--markdown"], check=True, capture_output=True,
                         text=True).stdout
    reg = {}
    for line in out.splitlines():
        m = re.match(r"\|\s*`([a-z0-9_]+)`\s*\|\s*(counter|gauge)\s*\|.*\|\s*(\d+) \(x(\d+), ([^)]*)\)", line)
        if m:
            kind = "boolean" if m.group(2) == "gauge" and m.group(5) == "boolean" else m.group(2)
            reg[m.group(1)] = (kind, int(m.group(3)), int(m.group(4)))
    check(reg, "no metrics in `revmon metrics --markdown`")
    return reg


def short_name(metric):
    """A metric column's name in revmonSourceUnknown: revocation_lag_p95 ->
    revocationLagP95."""
    parts = metric.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def served(kind, value, scale):
    """The SNMP value of a known metric: (type, integer) as -On -Oe prints it."""
    if kind == "counter":
        return ("Counter64", int(value))
    if kind == "boolean":
        return ("INTEGER", 1 if value >= 0.5 else 2)  # TruthValue true(1), false(2)
    return ("Gauge32", gauge32(value, scale))


def shown(kind, value, scale):
    """A known metric as snmptable prints it with the MIB and -Oe: counters
    and plain gauges as integers, TruthValue as 1/2, scaled gauges with their
    DISPLAY-HINT's decimals (net-snmp writes 0.05 as .05)."""
    t, v = served(kind, value, scale)
    n = len(str(scale)) - 1 if kind == "gauge" and re.fullmatch(r"10*", str(scale)) else 0
    if not n:
        return str(v)
    digits = str(v).rjust(n, "0")
    return digits[:-n] + "." + digits[-n:]


def parse(out):
    """snmp tool output (-On -Oe -Ot -Ox) -> {oid: (type, value)}; value is
    bytes for octet strings, int for numbers, None for exceptions."""
    cells = {}
    lines = []
    for line in out.splitlines():
        # Hex-STRING values wrap at 16 octets a line.
        if not LINE.match(line) and lines and re.fullmatch(r"[0-9A-Fa-f ]+", line.strip() or "x"):
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        oid, typ, val = m.groups()
        if typ is None:
            if val == '""':
                cells[oid] = ("STRING", b"")
            elif re.fullmatch(r"\d+", val):
                cells[oid] = ("Timeticks", int(val))
            else:
                cells[oid] = ("EXCEPTION", val)
        elif typ == "Hex-STRING":
            cells[oid] = ("STRING", bytes.fromhex(val))
        elif typ == "STRING":
            cells[oid] = ("STRING", val.strip('"').encode())
        elif typ == "OID":
            cells[oid] = ("OID", val)
        else:
            cells[oid] = (typ, int(val.split()[0]))
    return cells


class Rig:
    def __init__(self, build_bin, revmon, agent, cache, mibdir):
        self.revmon = revmon
        self.agent_bin = agent
        self.mibpath = ":".join([cache, "/usr/share/snmp/mibs", mibdir])
        self.tmp = tempfile.mkdtemp(prefix="rmsnmp.")
        for d in ("persist-master", "persist-agent", "persist-tools"):
            os.makedirs(os.path.join(self.tmp, d))
        self.port = free_udp_port()
        self.sock = os.path.join(self.tmp, "agentx.sock")
        self.env = dict(os.environ, MIBS="", SNMP_PERSISTENT_DIR=os.path.join(self.tmp, "persist-tools"))
        self.master = None
        self.agent = None
        self.trapd = None
        self.trap_port = None
        self.agent_conf = os.path.join(self.tmp, "agent.conf")
        self.var_lib_before = os.path.exists("/var/lib/snmp/cert_indexes")

    # --- processes ----------------------------------------------------------
    def start_master(self):
        conf = os.path.join(self.tmp, "snmpd.conf")
        with open(conf, "w") as f:
            f.write("agentaddress udp:127.0.0.1:%d\n" % self.port)
            f.write("rocommunity public 127.0.0.1\n")
            f.write("master agentx\nagentXSocket %s\nagentXPerms 0660 0755\n" % self.sock)
            f.write("[snmp] persistentDir %s\n" % os.path.join(self.tmp, "persist-master"))
            f.write("dontLogTCPWrappersConnects yes\n")
            if self.trap_port:
                # the notifications the subagent sends go to our snmptrapd
                f.write("trap2sink 127.0.0.1:%d public\n" % self.trap_port)
        snmpd = shutil.which("snmpd") or "/usr/sbin/snmpd"
        log = open(os.path.join(self.tmp, "snmpd.log"), "a")
        self.master = subprocess.Popen(
            [snmpd, "-f", "-C", "-c", conf, "-Lo", "-p", os.path.join(self.tmp, "snmpd.pid")],
            stdout=log, stderr=subprocess.STDOUT,
            env=dict(self.env, SNMP_PERSISTENT_DIR=os.path.join(self.tmp, "persist-master")))
        log.close()
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.tool("snmpget", ".1.3.6.1.2.1.1.3.0", check_rc=False).returncode == 0:
                return
            check(self.master.poll() is None, "snmpd exited:\n" + self.log("snmpd.log"))
            time.sleep(0.1)
        raise Fail("snmpd did not answer:\n" + self.log("snmpd.log"))

    def start_trapd(self):
        """A private snmptrapd on a free loopback port, logging every
        notification as one line: TRAP, then its varbinds (-On) tab-separated.
        Call before start_master, whose trap2sink points at it."""
        self.trap_port = free_udp_port()
        os.makedirs(os.path.join(self.tmp, "persist-trapd"), exist_ok=True)
        conf = os.path.join(self.tmp, "snmptrapd.conf")
        with open(conf, "w") as f:
            f.write("snmpTrapdAddr udp:127.0.0.1:%d\n" % self.trap_port)
            f.write("authCommunity log public\n")
            f.write("[snmp] persistentDir %s\n" % os.path.join(self.tmp, "persist-trapd"))
        self.traps_log = os.path.join(self.tmp, "traps.log")
        trapd = shutil.which("snmptrapd") or "/usr/sbin/snmptrapd"
        self.trapd = subprocess.Popen(
            [trapd, "-f", "-C", "-c", conf, "-On", "-Lf", self.traps_log, "-F", "TRAP\t%v\n"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            env=dict(self.env, SNMP_PERSISTENT_DIR=os.path.join(self.tmp, "persist-trapd")))
        self.wait_for("snmptrapd", lambda: "NET-SNMP version" in self.log("traps.log") or
                      check(self.trapd.poll() is None, "snmptrapd exited:\n" + self.log("traps.log")))

    def traps(self, prefix):
        """The notifications received whose snmpTrapOID starts with prefix, in
        order: [(trap OID, [(oid, type, value), ...])] without sysUpTime.0 and
        snmpTrapOID.0; values as parse() gives them."""
        out = []
        for line in self.log_all("traps.log").splitlines():
            if not line.startswith("TRAP\t"):
                continue
            # sysUpTime.0 first (Timeticks as snmptrapd prints them): not ours to check
            vbs = [parse(v) for v in line.split("\t")[1:] if v and not v.startswith(".1.3.6.1.2.1.1.3.0 ")]
            vbs = [next(iter(c.items())) for c in vbs if c]
            trap = [v for o, v in vbs if o == ".1.3.6.1.6.3.1.1.4.1.0"]
            if trap and trap[0][1].startswith(prefix + "."):
                out.append((trap[0][1], [(o, t, v) for o, (t, v) in vbs
                                         if o not in (".1.3.6.1.2.1.1.3.0", ".1.3.6.1.6.3.1.1.4.1.0")]))
        return out

    def log_all(self, name):
        try:
            with open(os.path.join(self.tmp, name)) as f:
                return f.read()
        except OSError:
            return ""

    def kill_master(self, sig=signal.SIGKILL):
        self.master.send_signal(sig)
        self.master.wait(timeout=10)
        self.master = None

    def write_agent_conf(self, sections, extra=""):
        with open(self.agent_conf, "w") as f:
            f.write("# written by the test\nagentx_socket = %s\nagentx_ping = 1s\nlog = stderr\n" % self.sock)
            f.write("persistent_dir = %s\n%s\n" % (os.path.join(self.tmp, "persist-agent"), extra))
            for name, body in sections:
                f.write("[%s]\n%s\n" % (name, body))

    def start_agent(self):
        self.agent_log = open(os.path.join(self.tmp, "agent.log"), "a")
        self.agent = subprocess.Popen([self.agent_bin, "-c", self.agent_conf], stdout=self.agent_log,
                                      stderr=subprocess.STDOUT, env=self.env)

    def stop_agent(self, timeout=10):
        """SIGTERM; returns the exit status."""
        self.agent.send_signal(signal.SIGTERM)
        rc = self.agent.wait(timeout=timeout)
        self.agent = None
        self.agent_log.close()
        return rc

    def log(self, name):
        try:
            with open(os.path.join(self.tmp, name)) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def close(self, keep=False):
        for p in (self.agent, self.master, self.trapd):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        if not self.var_lib_before:
            check(not os.path.exists("/var/lib/snmp/cert_indexes"),
                  "something created /var/lib/snmp/cert_indexes")
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- clients ------------------------------------------------------------
    def tool(self, name, *args, version="2c", mib=False, check_rc=True, fmt=("-On", "-Oe", "-Ot", "-Ox")):
        cmd = [name, "-v", version, "-c", "public", "-r", "1", "-t", "2"]
        if mib:
            cmd += ["-M", self.mibpath, "-m", "REVMON-MIB"]
        cmd += list(fmt) + ["127.0.0.1:%d" % self.port] + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=60)
        if check_rc and r.returncode != 0:
            raise Fail("%s failed (%d):\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
        return r

    def get(self, *oids, **kw):
        return parse(self.tool("snmpget", *oids, **kw).stdout)

    def walk(self, tool="snmpwalk", oid=BASE, **kw):
        return parse(self.tool(tool, oid, **kw).stdout)

    def wait_for(self, what, pred, timeout=30, step=0.2):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = pred()
                if last:
                    return last
            except Fail as e:
                last = e
            time.sleep(step)
        raise Fail("timed out waiting for %s (last: %s)\nagent log:\n%s" % (what, last, self.log("agent.log")))

    # --- expectations -------------------------------------------------------
    def report(self, *args):
        r = subprocess.run([self.revmon, "report", "--json"] + list(args), capture_output=True,
                           text=True, timeout=120)
        check(r.returncode == 0, "revmon report failed: %s" % r.stderr)
        return json.loads(r.stdout)["monitors"][0]

    def simulate(self, path, *sets):
        cmd = [self.revmon, "simulate", "--shape", "pt1h", "--out", path]
        for s in sets:
            cmd += ["--set", s]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def check_row(cells, idx, name, expected, reg, status=1, skip=()):
    """Every column of row idx against a `revmon report --json` monitor."""
    def cell(col):
        return cells.get("%s.%d.%d" % (TABLE, col, idx))

    check(cell(2) == ("STRING", name.encode()), "row %d name: %r" % (idx, cell(2)))
    check(cell(3) == ("INTEGER", status), "row %d (%s) status: %r" % (idx, name, cell(3)))
    if status == 1:
        check(cell(4) == ("STRING", b""), "row %d error: %r" % (idx, cell(4)))
    check(cell(6) == ("INTEGER", 1 if expected["simulated"] else 2), "row %d simulated: %r" % (idx, cell(6)))
    check(cell(7) is not None and cell(7)[0] == "Gauge32", "row %d data age: %r" % (idx, cell(7)))
    check(cell(8) == ("STRING", date_and_time(expected["now_ms"])),
          "row %d values time: %r, want %r" % (idx, cell(8), date_and_time(expected["now_ms"])))
    check(cell(9) is not None and cell(9)[0] == "Timeticks", "row %d opened: %r" % (idx, cell(9)))
    present = set()
    for metric, (kind, col, scale) in reg.items():
        v = expected["metrics"][metric]["value"]
        got = cell(col)
        if metric in skip:
            if got is not None and got[0] != "EXCEPTION":
                present.add(col)
            continue
        if v is None:
            check(got is None or got[0] == "EXCEPTION",
                  "row %d %s: unknown gauge served as %r" % (idx, metric, got))
            continue
        present.add(col)
        want = served(kind, v, scale)
        check(got == want, "row %d (%s) %s (column %d): got %r, want %r (report: %r)" %
              (idx, name, metric, col, got, want, v))
    # revmonSourceUnknown names the metric columns without a value, in column order.
    unknown = cell(5)
    by_col = {col: short_name(m) for m, (_, col, _) in reg.items()}
    want = " ".join(by_col[c] for c in sorted(by_col) if c not in present)
    check(unknown == ("STRING", want.encode()), "row %d unknown: %r, want %r" % (idx, unknown, want))
    # Nothing else in the row.
    for oid in cells:
        if oid.startswith(TABLE + ".") and oid.endswith(".%d" % idx):
            col = int(oid[len(TABLE) + 1:].split(".")[0])
            check(col in present or col < 10 or cells[oid][0] == "EXCEPTION",
                  "row %d: unexpected cell %s" % (idx, oid))


def family_columns(mibdir):
    """metric -> (column, syntax) of revmonFamilyTable, read from the
    checked-in REVMON-MIB (the drift test keeps it equal to the registry):
    each metric column's DESCRIPTION names its metric."""
    with open(os.path.join(mibdir, "REVMON-MIB.txt")) as f:
        text = f.read()
    cols = {}
    obj = re.compile(r"(revmonFamily\w+) OBJECT-TYPE\s+SYNTAX\s+(\w+)((?:(?!OBJECT-TYPE).)*?)::= \{ revmonFamilyEntry (\d+) \}",
                     re.S)
    for m in obj.finditer(text):
        metric = re.search(r"revmon\s+per-family\s+metric\s+([a-z0-9_]+)\.", m.group(3))
        if metric:
            cols[metric.group(1)] = (int(m.group(4)), m.group(2))
    check(cols, "no per-family metric column in REVMON-MIB.txt")
    return cols


def family_rows(cells, row=None):
    """{(row, family): {column: (type, value)}} of revmonFamilyTable cells."""
    out = {}
    for oid, v in cells.items():
        if oid.startswith(FAMILY + "."):
            col, r, fam = (int(x) for x in oid[len(FAMILY) + 1:].split("."))
            if row is None or r == row:
                out.setdefault((r, fam), {})[col] = v
    return out


def check_families(cells, row, expect, fcols):
    """Row row's families equal expect (two-families.expect.json's
    "families"): label, app, platform and every metric. Returns
    {label: family index}."""
    fams = family_rows(cells, row)
    by_label = {}
    for (_, idx), c in fams.items():
        check(c.get(2, ("", b""))[0] == "STRING", "family %d.%d label: %r" % (row, idx, c.get(2)))
        by_label[c[2][1].decode()] = (idx, c)
    check(sorted(by_label) == sorted(expect), "row %d families %s, want %s" %
          (row, sorted(by_label), sorted(expect)))
    for label, e in expect.items():
        idx, c = by_label[label]
        check(c.get(3) == ("STRING", e["app"].encode()), "%s app: %r" % (label, c.get(3)))
        check(c.get(4) == ("STRING", e["platform"].encode()), "%s platform: %r" % (label, c.get(4)))
        check(1 not in c, "%s: the not-accessible index is served" % label)
        for metric, want in e["values"].items():
            col, syntax = fcols[metric]
            check(c.get(col) == (syntax, want), "%s %s (column %d): %r, want %r" %
                  (label, metric, col, c.get(col), (syntax, want)))
        check(set(c) == {2, 3, 4} | {fcols[m][0] for m in e["values"]},
              "%s: columns %s" % (label, sorted(c)))
    return {label: idx for label, (idx, _) in by_label.items()}
