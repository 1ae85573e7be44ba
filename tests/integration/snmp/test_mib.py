#!/usr/bin/env python3
"""REVMON-MIB checks: the checked-in MIB is mibgen's output (no drift from the
registry), smilint -l 6 has nothing to say, and snmptranslate resolves every
object to the OID and syntax the registry and the subagent's layout give it.

usage: test_mib.py drift|smilint|translate --mibgen BIN --revmon BIN --mib FILE --cache DIR
"""
import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile

BASE = "1.3.6.1.4.1.8072.9999.9999.1"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def mibpath(args):
    return ":".join([args.cache, "/usr/share/snmp/mibs", os.path.dirname(os.path.abspath(args.mib))])


def check_cache(args):
    for m in ("SNMPv2-SMI", "SNMPv2-TC", "SNMPv2-CONF"):
        if not os.path.exists(os.path.join(args.cache, m + ".mib")):
            fail("%s.mib missing from %s: the snmp.mib.cache set-up test fetches it" % (m, args.cache))


def drift(args):
    gen = subprocess.run([args.mibgen], check=True, capture_output=True, text=True).stdout
    with open(args.mib) as f:
        have = f.read()
    if gen != have:
        sys.stdout.writelines(difflib.unified_diff(have.splitlines(True), gen.splitlines(True),
                                                   args.mib, "mibgen output"))
        fail("%s differs from the registry; regenerate it: mibgen > snmp/REVMON-MIB.txt" % args.mib)
    print("ok: REVMON-MIB.txt is mibgen's output")


def smilint(args):
    check_cache(args)
    env = dict(os.environ, SMIPATH=mibpath(args))
    r = subprocess.run(["smilint", "-l", "6", "-s", args.mib], env=env, capture_output=True, text=True)
    out = (r.stdout + r.stderr).strip()
    # smilint exits 0 even with errors: its silence is the verdict.
    if out:
        print(out)
        fail("smilint -l 6 reported the above")
    print("ok: smilint -l 6 is silent")


def registry(args):
    """name -> (kind, column) from `revmon metrics --markdown`."""
    out = subprocess.run([args.revmon, "metrics", "--markdown"], check=True, capture_output=True,
                         text=True).stdout
    reg = {}
    for line in out.splitlines():
        m = re.match(r"\|\s*`([a-z0-9_]+)`\s*\|\s*(counter|gauge)\s*\|.*\|\s*(\d+) \(x(\d+), ([^)]*)\)\s*\|", line)
        if m:
            reg[m.group(1)] = (m.group(2), int(m.group(3)), int(m.group(4)), m.group(5))
    if not reg:
        fail("no metric found in `revmon metrics --markdown`")
    return reg


def camel(name):
    return "revmon" + "".join(p[:1].upper() + p[1:] for p in name.split("_"))


def decimals(scale):
    n = 0
    while scale > 1 and scale % 10 == 0:
        scale //= 10
        n += 1
    return n if scale == 1 else 0


def check_metric_syntax(d, kind, scale, units, text):
    """A metric column as a manager reads it: counters Counter64 in the
    registry's units; booleans TruthValue; gauges scaled by 10^n carry the
    DISPLAY-HINT d-n (so 380 reads 3.80) and UNITS naming what is shown, not
    the raw hundredths or milliseconds; other gauges Gauge32 in the
    registry's units."""
    def syntax(want):
        if not re.search(r"^\s*SYNTAX\s+%s\b" % want, text, re.M):
            fail("%s: SYNTAX is not %s:\n%s" % (d, want, text))
    n = decimals(scale)
    if kind == "counter":
        syntax("Counter64")
    elif units == "boolean":
        syntax("INTEGER")
        if "TEXTUAL CONVENTION TruthValue" not in text or "true(1)" not in text:
            fail("%s: a boolean that is not TruthValue:\n%s" % (d, text))
        return
    else:
        syntax("Gauge32")
    if kind == "gauge" and n:
        if not re.search(r'DISPLAY-HINT\s+"d-%d"' % n, text):
            fail("%s: scale %d without DISPLAY-HINT \"d-%d\":\n%s" % (d, scale, n, text))
        m = re.search(r'UNITS\s+"([^"]*)"', text)
        if m and re.match(r"(hundredths|thousandths|tenths|milliseconds)\b", m.group(1)):
            fail("%s: UNITS %r name the raw integer, not the number shown" % (d, m.group(1)))
        if "round(" in text:
            fail("%s: the description still gives the encoding formula" % d)
        return
    if "DISPLAY-HINT" in text:
        fail("%s: a DISPLAY-HINT on an unscaled column:\n%s" % (d, text))
    if not re.search(r'UNITS\s+"%s"' % re.escape(units), text):
        fail("%s: UNITS is not %r:\n%s" % (d, units, text))


def notifications(args, env, objs):
    """Every NOTIFICATION-TYPE resolves under revmonNotifications (B.0), is
    in revmonNotificationGroup, and names the monitor first."""
    notes = [o for o in objs if o[2] == "notification"]
    if len(notes) < 6:
        fail("%d notifications in the MIB, want the six of the monitor, stuck clients and lag" % len(notes))
    # snmptranslate -Td does not print a group's members: read them from the module.
    with open(args.mib) as f:
        m = re.search(r"revmonNotificationGroup NOTIFICATION-GROUP\s+NOTIFICATIONS\s*\{([^}]*)\}", f.read())
    if not m:
        fail("no revmonNotificationGroup NOTIFICATION-GROUP in %s" % args.mib)
    group = m.group(1)
    for name, oid, _, _ in notes:
        if not oid.startswith(BASE + ".0."):
            fail("%s is at %s, not under revmonNotifications" % (name, oid))
        text = subprocess.run(["snmptranslate", "-M", mibpath(args), "-m", "REVMON-MIB", "-Td",
                               "REVMON-MIB::" + name], env=env, capture_output=True, text=True,
                              check=True).stdout
        if "NOTIFICATION-TYPE" not in text or not re.search(r"OBJECTS\s+\{\s*revmonSourceName,", text):
            fail("%s: not a NOTIFICATION-TYPE naming revmonSourceName first:\n%s" % (name, text))
        if not re.search(r"\b%s\b" % name, group):
            fail("%s is not in revmonNotificationGroup" % name)
    return len(notes)


def translate(args):
    check_cache(args)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, MIBS="", SNMP_PERSISTENT_DIR=tmp)
        objs = []
        for line in subprocess.run([args.mibgen, "--objects"], check=True, capture_output=True,
                                   text=True).stdout.splitlines():
            name, arcs, what = line.split()[:3]
            syntax = " ".join(line.split()[3:])
            objs.append((name, BASE if arcs == "." else BASE + "." + arcs, what, syntax))
        names = ["REVMON-MIB::" + o[0] for o in objs]
        r = subprocess.run(["snmptranslate", "-M", mibpath(args), "-m", "REVMON-MIB", "-On"] + names,
                           env=env, capture_output=True, text=True)
        got = r.stdout.split()
        if r.returncode != 0 or len(got) != len(objs):
            print(r.stdout + r.stderr)
            fail("snmptranslate did not resolve every object")
        for o, oid in zip(objs, got):
            if oid != "." + o[1]:
                fail("%s resolves to %s, the subagent serves it at .%s" % (o[0], oid, o[1]))
        # Every registry metric has its column, with the right syntax and units.
        reg = registry(args)
        columns = {o[0]: o for o in objs if o[2] == "column"}
        for name, (kind, col, scale, units) in sorted(reg.items()):
            d = camel(name)
            if d not in columns:
                fail("metric %s has no column %s in the MIB" % (name, d))
            if not columns[d][1].endswith(".2.1.%d" % col):
                fail("metric %s: column %s is at %s, the registry says %d" % (name, d, columns[d][1], col))
            r = subprocess.run(["snmptranslate", "-M", mibpath(args), "-m", "REVMON-MIB", "-Td",
                                "REVMON-MIB::" + d], env=env, capture_output=True, text=True, check=True)
            check_metric_syntax(d, kind, scale, units, r.stdout)
            if "read-only" not in r.stdout:
                fail("%s is not read-only" % d)
        source_cols = [o for o in columns.values() if o[1].startswith(BASE + ".1.2.1.")]
        n_metric_cols = sum(1 for o in source_cols if int(o[1].rsplit(".", 1)[1]) >= 10)
        if n_metric_cols != len(reg):
            fail("%d metric columns in the MIB, %d metrics in the registry" % (n_metric_cols, len(reg)))
        n_family = family_table(args, env, columns)
        n_notes = notifications(args, env, objs)
    print("ok: snmptranslate resolves all %d objects; %d metric columns match the registry "
          "(syntax, DISPLAY-HINT, UNITS); revmonFamilyTable has %d metric columns; %d "
          "notifications" % (len(objs), len(reg), n_family, n_notes))


def family_table(args, env, columns):
    """revmonFamilyTable: its entry's INDEX, and each column's syntax and
    access as the subagent serves them (mibgen --objects)."""
    def td(name):
        return subprocess.run(["snmptranslate", "-M", mibpath(args), "-m", "REVMON-MIB", "-Td",
                               "REVMON-MIB::" + name], env=env, capture_output=True, text=True,
                              check=True).stdout
    entry = td("revmonFamilyEntry")
    if not re.search(r"INDEX\s+\{\s*revmonSourceIndex,\s*revmonFamilyIndex\s*\}", entry):
        fail("revmonFamilyEntry's INDEX is not { revmonSourceIndex, revmonFamilyIndex }:\n" + entry)
    fam = {n: o for n, o in columns.items() if o[1].startswith(BASE + ".1.3.1.")}
    own = {"revmonFamilyIndex": 1, "revmonFamilyLabel": 2, "revmonFamilyApp": 3, "revmonFamilyPlatform": 4}
    for name, col in own.items():
        if name not in fam or not fam[name][1].endswith(".%d" % col):
            fail("%s is not column %d of revmonFamilyTable" % (name, col))
    metrics = 0
    for name, o in sorted(fam.items()):
        text = td(name)
        if name in own:
            continue
        metrics += 1
        tc = o[3] not in ("Gauge32", "Counter64")
        if not re.search(r"TEXTUAL CONVENTION %s\b" % o[3] if tc else r"SYNTAX\s+%s\b" % o[3], text) \
                or "read-only" not in text:
            fail("%s: not a read-only %s:\n%s" % (name, o[3], text))
        if tc and not re.fullmatch(r"TruthValue|Revmon[A-Z][a-z0-9]+", o[3]):
            fail("%s: a metric column of syntax %s" % (name, o[3]))
    if not metrics:
        fail("revmonFamilyTable has no metric column")
    return metrics


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["drift", "smilint", "translate"])
    ap.add_argument("--mibgen", required=True)
    ap.add_argument("--revmon", required=True)
    ap.add_argument("--mib", required=True)
    ap.add_argument("--cache", required=True)
    args = ap.parse_args()
    {"drift": drift, "smilint": smilint, "translate": translate}[args.what](args)


if __name__ == "__main__":
    main()
