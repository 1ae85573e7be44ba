#!/usr/bin/env python3
"""The SNMP command lines of README.md and snmp/README.md, run as written on
this Debian machine against a real snmpd and revmon-agentx on loopback.

Each file's shell block after `<!-- snmp-doc-test: setup -->` runs verbatim
in bash from the source tree, with HOME and TMPDIR in a temporary directory
(it fetches SNMPv2-SMI/TC/CONF and installs REVMON-MIB into ~/.snmp/mibs);
each line of the block after `<!-- snmp-doc-test: query -->` runs verbatim
but for `localhost`, which becomes the test snmpd's 127.0.0.1:PORT. Without
the set-up the first query fails as on a stock Debian 12 (Cannot find module
SNMPv2-SMI, or REVMON-MIB); after it every query prints its table with names and decimals
and nothing on stderr.

usage: test_docs.py --revmon BIN --agent BIN --cache DIR --source DIR [--keep]
"""
import argparse
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from snmpharness import run_rig, Rig, check, registry, shown, short_name  # noqa: E402

SIM = ["sim_users=300", "sim_duration=4h"]
FAMILIES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "families")


def blocks(path):
    """{name: [lines]} of the marked shell blocks of a Markdown file."""
    with open(path) as f:
        text = f.read()
    out = {}
    for m in re.finditer(r"<!-- snmp-doc-test: (\w+) -->\s*```sh\n(.*?)```", text, re.S):
        out[m.group(1)] = m.group(2)
    return out


def commands(block):
    """The command lines of a block (continuations joined, comments kept)."""
    return [ln for ln in block.replace("\\\n", " ").splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def user_env(rig, home):
    env = {k: v for k, v in os.environ.items() if k not in ("MIBS", "MIBDIRS", "SNMPCONFPATH")}
    env.update(HOME=home, TMPDIR=rig.tmp, SNMP_PERSISTENT_DIR=os.path.join(rig.tmp, "persist-tools"))
    return env


def run(cmd, env, cwd):
    return subprocess.run(["bash", "-euo", "pipefail", "-c", cmd], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=180)


def expectations(rig, fixture, reg):
    """What the queries must print, from `revmon report --json`."""
    e = rig.report("--source", "file:" + fixture)
    m = e["metrics"]
    unknown = " ".join(short_name(n) for n, (_, c, _) in sorted(reg.items(), key=lambda x: x[1][1])
                       if m[n]["value"] is None)
    with open(os.path.join(FAMILIES, "two-families.expect.json")) as f:
        labels = sorted(json.load(f)["families"])
    sim = rig.report("--source", "sim", *sum((["--set", s] for s in SIM), []))["metrics"]
    lag = shown(reg["revocation_lag_p95"][0], m["revocation_lag_p95"]["value"], reg["revocation_lag_p95"][2])
    rate = shown(reg["reauth_rate"][0], sim["reauth_rate"]["value"], reg["reauth_rate"][2])
    check(sim["reauth_rate"]["value"] > 1, "the simulator's reauth_rate is %r" % sim["reauth_rate"]["value"])
    return {"lag": lag, "rate": rate, "unknown": unknown, "labels": labels}


def check_query(cmd, r, want):
    out = r.stdout
    check(r.returncode == 0 and not r.stderr.strip(), "%s: status %d\n%s%s" % (cmd, r.returncode, out, r.stderr))
    check("Hex-STRING" not in out and not re.search(r'"([0-9A-F]{2} )+"', out), "%s: hex in the output:\n%s" % (cmd, out))
    if "revmonSourceTable" in cmd:
        for token in ("tenant", " up ", " true ", " " + want["lag"] + " seconds", want["rate"] + " sign-ins per minute",
                      want["unknown"], "simulated"):
            check(token in out, "%s: %r not in\n%s" % (cmd, token, out))
    elif "revmonFamilyTable" in cmd:
        for label in want["labels"]:
            check(label in out, "%s: family %r not in\n%s" % (cmd, label, out))
    elif "revmonThresholdTable" in cmd:
        check(re.search(r"\btrue\s+2 clients\s+2 clients\s+600\.000 seconds\s+600\.000 seconds\b", out)
              and re.search(r"\bfalse\s+\?", out), "%s:\n%s" % (cmd, out))
    elif "snmpwalk" in cmd:
        for line in ("REVMON-MIB::revmonSourceName.1 = STRING: tenant",
                     "REVMON-MIB::revmonRevocationLagP95.1 = Gauge32: %s seconds" % want["lag"],
                     "REVMON-MIB::revmonReauthRate.2 = Gauge32: %s sign-ins per minute" % want["rate"],
                     "REVMON-MIB::revmonThresholdSource.2 = INTEGER: false(2)"):
            check(line in out, "%s: %r not in the walk" % (cmd, line))
    else:
        for line in ("REVMON-MIB::revmonRevocationLagP95.1 = Gauge32: %s seconds" % want["lag"],
                     "REVMON-MIB::revmonSourceUp.1 = INTEGER: true(1)"):
            check(line in out, "%s: %r not in\n%s" % (cmd, line, out))


def docs(rig, source, reg):
    fixture = os.path.join(FAMILIES, "two-families.ndjson")
    want = expectations(rig, fixture, reg)
    # The simulator polls once: its values are those of report's single poll.
    rig.write_agent_conf([("tenant", "source = file:%s\npoll_interval = 1s\nnotify_stuck_clients = 2\n"
                                     "notify_lag_p95 = 10m\n" % fixture),
                          ("simulated", "source = sim\n%spoll_interval = 1h\nnotify_source = no\n" %
                           "".join(x.replace("=", " = ") + "\n" for x in SIM))])
    rig.start_master()
    rig.start_agent()
    status = [".1.3.6.1.4.1.8072.9999.9999.1.1.2.1.3.%d" % i for i in (1, 2)]
    rig.wait_for("both rows up", lambda: all(v == ("INTEGER", 1) for v in rig.get(*status).values()))
    host = "127.0.0.1:%d" % rig.port
    for doc in ("README.md", os.path.join("snmp", "README.md")):
        b = blocks(os.path.join(source, doc))
        check("setup" in b and "query" in b, "%s: no marked setup and query blocks" % doc)
        home = os.path.join(rig.tmp, "home-" + doc.replace("/", "-"))
        os.makedirs(home)
        env = user_env(rig, home)
        queries = [q.replace(" localhost ", " %s " % host) for q in commands(b["query"])]
        check(all(host in q for q in queries), "%s: a query without localhost: %r" % (doc, queries))
        r = run(queries[0], env, source)
        # SNMPv2-SMI is missing; net-snmp names it, or REVMON-MIB that imports it
        check(r.returncode != 0 and re.search(r"Cannot find module \((SNMPv2-SMI|REVMON-MIB)\)", r.stderr),
              "%s: before the set-up the first query did not fail as on stock Debian:\n%s%s" % (doc, r.stdout, r.stderr))
        r = run(b["setup"], env, source)
        check(r.returncode == 0, "%s: the set-up failed (%d):\n%s%s" % (doc, r.returncode, r.stdout, r.stderr))
        for q in queries:
            check_query(q, run(q, env, source), want)
        print("ok: %s: the set-up, then %d queries as written: names, decimals (%s s, %s/min), "
              "TruthValue, the unknown columns by name" % (doc, len(queries), want["lag"], want["rate"]))
    rc = rig.stop_agent()
    check(rc == 0, "SIGTERM: exit status %d" % rc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--revmon", required=True)
    ap.add_argument("--agent", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    rig = Rig(None, args.revmon, args.agent, args.cache, os.path.join(args.source, "snmp"))
    run_rig(rig, lambda: docs(rig, args.source, registry(args.revmon)), keep=args.keep)


if __name__ == "__main__":
    main()
