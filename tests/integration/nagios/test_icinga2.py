#!/usr/bin/env python3
"""check_revocation scheduled by a real Icinga 2 daemon, through the shipped
CheckCommand (docs/examples/icinga2-revocation.conf, included verbatim).

The daemon runs in the foreground with a private configuration and private
data, log, cache, spool and run directories, and its REST API on a free
loopback port (TLS with a throw-away CA; verification on). A host and three
services check one revmon configuration: "lag-relaxed" with wide ranges is
OK, "lag-default" with the check's defaults is WARNING and has
vars.revocation_verbose = true, "strict-ini" takes a range from an
--extra-opts ini file (CRITICAL), -vv and --no-state. The test reads the results from the API and
asserts their states, that -v really reached the check (the long output),
that each service wrote its own state file, and that the CheckCommand has an
argument with a description for every option of the check (options.def)."""
import base64
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tally import Tally  # noqa: E402

ICINGA2, CHECK, REVMON, FIX = map(os.path.abspath, sys.argv[1:5])
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
COMMAND_FILE = os.path.join(SRC, "docs", "examples", "icinga2-revocation.conf")
NODE = "revmon-test"
TALLY = Tally()
T = tempfile.mkdtemp(prefix="revmon-icinga2-")
DIRS = {name: os.path.join(T, name) for name in ("data", "log", "cache", "spool", "run")}
PASSWORD = base64.b16encode(os.urandom(12)).decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificates():
    """A CA and the node's certificate (CN = NodeName, IP 127.0.0.1), where
    the ApiListener looks for them: DataDir/certs/."""
    certs = os.path.join(DIRS["data"], "certs")
    os.makedirs(certs)
    ca_key, ca = os.path.join(T, "ca.key"), os.path.join(certs, "ca.crt")
    key, csr, crt = (os.path.join(certs, NODE + ext) for ext in (".key", ".csr", ".crt"))
    ext = os.path.join(T, "san.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName = IP:127.0.0.1, DNS:%s\n" % NODE)
    for cmd in (["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
                 "-days", "2", "-subj", "/CN=revmon test CA"],
                ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + NODE],
                ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
                 "-days", "2", "-extfile", ext]):
        subprocess.run(["openssl", *cmd], check=True, capture_output=True)
    return ca


def write_configuration(port):
    conf = os.path.join(T, "revmon.conf")
    with open(conf, "w") as f:
        f.write(f"[tenant]\nsource = file:{FIX}/warning.ndjson\n")
    ini = os.path.join(T, "plugins.ini")
    with open(ini, "w") as f:
        f.write("[strict]\ncritical=lag_p95=60\n")
    main = os.path.join(T, "icinga2.conf")
    with open(main, "w") as f:
        f.write(f"""include <itl>

object CheckerComponent "checker" {{ }}

object Endpoint NodeName {{ }}
object Zone ZoneName {{ endpoints = [ NodeName ] }}

object ApiListener "api" {{
  bind_host = "127.0.0.1"
  bind_port = {port}
}}

object ApiUser "revmon-test" {{
  password = "{PASSWORD}"
  permissions = [ "objects/query/*" ]
}}

include "{COMMAND_FILE}"

object Host "revmon-host" {{
  check_command = "dummy"
  check_interval = 1h
  vars.dummy_text = "up"
}}

template Service "revocation-test" {{
  host_name = "revmon-host"
  check_command = "revocation"
  check_interval = 2s
  retry_interval = 2s
  max_check_attempts = 1
  vars.revocation_config = "{conf}"
  vars.revocation_monitor = "tenant"
}}

object Service "lag-relaxed" {{
  import "revocation-test"
  vars.revocation_warning = [ "lag_p95=3600", "stale_clients=10" ]
  vars.revocation_critical = [ "lag_p95=7200", "stale_clients=20" ]
}}

object Service "lag-default" {{
  import "revocation-test"
  vars.revocation_verbose = true
}}

object Service "strict-ini" {{
  import "revocation-test"
  vars.revocation_extra_opts = "strict@{ini}"
  vars.revocation_verbose = 2
  vars.revocation_no_state = true
}}
""")
    return main


def defines():
    """The constants that keep the daemon in T, and the check's directory."""
    d = {"RunAsUser": subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip(),
         "RunAsGroup": subprocess.run(["id", "-gn"], capture_output=True, text=True).stdout.strip(),
         "NodeName": NODE, "ZoneName": NODE, "PluginDir": os.path.dirname(CHECK),
         "ConfigDir": T, "DataDir": DIRS["data"], "LogDir": DIRS["log"], "CacheDir": DIRS["cache"],
         "SpoolDir": DIRS["spool"], "InitRunDir": DIRS["run"],
         "PidPath": os.path.join(DIRS["run"], "icinga2.pid")}
    return [arg for k, v in d.items() for arg in ("--define", f"{k}={v}")]


class Api:
    def __init__(self, port, ca):
        self.base = f"https://127.0.0.1:{port}/v1"
        self.ctx = ssl.create_default_context(cafile=ca)
        self.auth = "Basic " + base64.b64encode(f"revmon-test:{PASSWORD}".encode()).decode()

    def get(self, path):
        req = urllib.request.Request(self.base + path, headers={"Accept": "application/json",
                                                                "Authorization": self.auth})
        with urllib.request.urlopen(req, context=self.ctx, timeout=10) as r:
            return json.loads(r.read())["results"]


def wait_for_results(api, daemon, log_path, want=3):
    """The services' attributes once each has been checked twice (the second
    run reads the state the first one saved); exits with the daemon's log
    when that does not happen in time."""
    deadline = time.monotonic() + 120
    first, last = {}, "no answer yet"
    while time.monotonic() < deadline and daemon.poll() is None:
        time.sleep(1)
        try:
            services = api.get("/objects/services?attrs=last_check_result&attrs=state&attrs=last_check")
        except (urllib.error.URLError, OSError, ValueError) as e:
            last = repr(e)
            continue
        done = {s["name"].split("!")[1]: s["attrs"] for s in services if s["attrs"]["last_check_result"]}
        for name, attrs in done.items():
            first.setdefault(name, attrs["last_check"])
        last = f"checked so far: {sorted(done)}"
        if len(done) == want and all(attrs["last_check"] > first[n] for n, attrs in done.items()):
            return done
    daemon.send_signal(signal.SIGTERM)
    print(open(log_path, errors="replace").read()[-4000:])
    sys.exit(f"icinga2 did not check every service twice in time ({last}; its log above)")


def option_table():
    text = open(os.path.join(SRC, "nagios", "options.def")).read()
    return re.findall(r"""^OPT\('(.)', ([01]), "([a-z-]+)", "([^"]*)",\s*"([^"]*)"\)""", text, re.M)


def main():
    port = free_port()
    ca = make_certificates()
    conf = write_configuration(port)
    for d in DIRS.values():
        os.makedirs(d, exist_ok=True)
    v = subprocess.run([ICINGA2, "daemon", "-C", "-c", conf, *defines()], capture_output=True, text=True)
    if not TALLY.check(v.returncode == 0, "icinga2 daemon -C accepts the shipped CheckCommand"):
        print(v.stdout[-4000:], v.stderr[-2000:])
        return
    log_path = os.path.join(T, "daemon.out")
    log = open(log_path, "w")
    daemon = subprocess.Popen([ICINGA2, "daemon", "-c", conf, *defines()],
                              stdout=log, stderr=subprocess.STDOUT)
    api = Api(port, ca)
    try:
        results = wait_for_results(api, daemon, log_path)
        command = api.get("/objects/checkcommands/revocation?attrs=arguments&attrs=vars")[0]["attrs"]
    finally:
        daemon.send_signal(signal.SIGTERM)
        rc = daemon.wait(timeout=60)
    check_results(results)
    check_state_files(results)
    check_arguments(command)
    TALLY.check(rc == 0, f"icinga2 shut down cleanly (exit {rc})")


def check_results(results):
    relaxed, default = results["lag-relaxed"], results["lag-default"]
    out_r, out_d = relaxed["last_check_result"]["output"], default["last_check_result"]["output"]
    TALLY.check(relaxed["state"] == 0 and out_r.startswith("REVOCATION OK - "),
                f"lag-relaxed is OK: {relaxed['state']}, {out_r[:80]!r}")
    TALLY.check(default["state"] == 1 and out_d.startswith("REVOCATION WARNING - revocation lag p95 10m00s > 5m00s"),
                f"lag-default is WARNING with the default ranges: {default['state']}, {out_d[:80]!r}")
    cmd_r, cmd_d = relaxed["last_check_result"]["command"], default["last_check_result"]["command"]
    TALLY.check(cmd_d.count("--verbose") == 1 and "--verbose" not in cmd_r,
                "vars.revocation_verbose = true passes one --verbose, false none")
    TALLY.check("\nStuck clients (oldest revocation first): 0" in out_d and "Stuck clients" not in out_r,
                "the long output is there with -v only")
    TALLY.check(cmd_r[cmd_r.index("--warning") + 1:cmd_r.index("--warning") + 4] ==
                ["lag_p95=3600", "--warning", "stale_clients=10"],
                "an array of ranges repeats --warning: %s" % cmd_r)
    strict = results["strict-ini"]
    cmd_s, out_s = strict["last_check_result"]["command"], strict["last_check_result"]["output"]
    TALLY.check(strict["state"] == 2 and out_s.startswith("REVOCATION CRITICAL - revocation lag p95 10m00s > 1m00s"),
                f"vars.revocation_extra_opts reaches the ini section: {strict['state']}, {out_s[:80]!r}")
    TALLY.check(cmd_s.count("--verbose") == 2 and f"\nSource file:{FIX}/warning.ndjson: up" in out_s
                and "Source " not in out_d,
                "vars.revocation_verbose = 2 passes -v twice (the sources in the long output)")
    TALLY.check("--no-state" in cmd_s and "--state-file" not in cmd_s,
                "vars.revocation_no_state = true passes --no-state and no --state-file: %s" % cmd_s)
    perf = default["last_check_result"]["performance_data"]
    registry = [line.split()[0] for line in
                subprocess.run([REVMON, "metrics"], capture_output=True, text=True).stdout.splitlines()[1:]]
    TALLY.check([p.split("=")[0].strip("'") for p in perf] == registry,
                f"Icinga 2 read perfdata for every registry metric ({len(perf)} items)")


def check_state_files(results):
    paths = []
    results = {n: r for n, r in results.items() if n != "strict-ini"}
    for name, attrs in sorted(results.items()):
        cmd = attrs["last_check_result"]["command"]
        paths.append(cmd[cmd.index("--state-file") + 1] if "--state-file" in cmd else None)
    want = sorted(os.path.join(DIRS["data"], "revmon", f"revmon-host-{n}.state") for n in results)
    TALLY.check(paths == want, f"each service has its own state file under DataDir/revmon: {paths}")
    TALLY.check(all(p and os.path.isfile(p) and os.path.getsize(p) > 0 for p in paths),
                "both state files were written")
    mode = os.stat(os.path.join(DIRS["data"], "revmon")).st_mode & 0o777
    TALLY.check(mode == 0o700, f"the check made DataDir/revmon private ({oct(mode)})")


def check_arguments(command):
    args = command["arguments"]
    for letter, short, name, arg, text in option_table():
        if name in ("help", "version"):
            continue  # they end the run: no check passes them
        a = args.get(f"--{name}")
        ok = isinstance(a, dict) and len(a.get("description", "")) > 20
        if ok and arg:
            ok = (re.fullmatch(r"\$revocation_[a-z_]+\$", a.get("value") or "") is not None
                  and ("Repeatable." not in text or a.get("repeat_key") is True))
        elif ok:
            ok = a.get("set_if") is not None or a.get("skip_key") is True
        TALLY.check(ok, f"--{name} has an argument entry with a description"
                        f"{', a value' if arg else ', a switch'}"
                        f"{', repeat_key' if 'Repeatable.' in text and arg else ''}: {a}")
    extra = sorted(set(args) - {f"--{o[2]}" for o in option_table()})
    TALLY.check(not extra, f"no argument the check does not know: {extra}")


main()
shutil.rmtree(T, ignore_errors=True)
sys.exit(TALLY.summary())
