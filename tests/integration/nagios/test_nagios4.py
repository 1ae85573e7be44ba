#!/usr/bin/env python3
"""check_revocation scheduled by a real nagios4 daemon (foreground, in a
temporary directory, interval_length=1): each fixture drives its state, the
simulator runs with no configuration at all, and status.dat carries the
plugin output and performance data that parse and match the registry."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import perfdata  # noqa: E402

NAGIOS, CHECK, REVMON, FIX = map(os.path.abspath, sys.argv[1:5])
T = tempfile.mkdtemp(prefix="revmon-nagios-")
RUN = os.path.join(T, "run")
os.makedirs(os.path.join(RUN, "checkresults"))
os.mkfifo(os.path.join(T, "silent.fifo"))

SERVICES = {
    # name: (arguments, expected state, expected output start)
    "ok": (f"--source file:{FIX}/ok.ndjson", 0, "REVOCATION OK - "),
    "warning": (f"--source file:{FIX}/warning.ndjson", 1, "REVOCATION WARNING - "),
    "critical": (f"--source file:{FIX}/critical.ndjson", 2, "REVOCATION CRITICAL - "),
    "unknown": (f"--source file:{T}/silent.fifo -t 2", 3, "REVOCATION UNKNOWN - timed out after 2 s"),
    "badrange": ("-w 20:10", 3, "REVOCATION UNKNOWN - "),
    "simulator": ("", 2, "REVOCATION CRITICAL - [simulated tenant]"),
}

with open(os.path.join(T, "resource.cfg"), "w") as f:
    f.write("$USER1$=/usr/lib/nagios/plugins\n$USER2$=%s\n" % os.path.dirname(os.path.abspath(CHECK)))
with open(os.path.join(T, "nagios.cfg"), "w") as f:
    f.write(f"""log_file={RUN}/nagios.log
cfg_file={T}/objects.cfg
resource_file={T}/resource.cfg
object_cache_file={RUN}/objects.cache
precached_object_file={RUN}/objects.precache
status_file={RUN}/status.dat
status_update_interval=1
lock_file={RUN}/nagios.lock
temp_file={RUN}/nagios.tmp
temp_path={RUN}
check_result_path={RUN}/checkresults
command_file={RUN}/nagios.cmd
query_socket={RUN}/nagios.qh
log_archive_path={RUN}
state_retention_file={RUN}/retention.dat
retain_state_information=0
use_retained_program_state=0
nagios_user=root
nagios_group=root
check_external_commands=1
use_syslog=0
log_rotation_method=n
enable_notifications=0
enable_event_handlers=0
enable_flap_detection=0
interval_length=1
max_service_check_spread=1
max_host_check_spread=1
service_inter_check_delay_method=n
host_inter_check_delay_method=n
check_result_reaper_frequency=1
service_check_timeout=20
date_format=iso8601
""")
with open(os.path.join(T, "objects.cfg"), "w") as f:
    f.write("""define timeperiod {
  timeperiod_name 24x7
  alias 24x7
  sunday 00:00-24:00
  monday 00:00-24:00
  tuesday 00:00-24:00
  wednesday 00:00-24:00
  thursday 00:00-24:00
  friday 00:00-24:00
  saturday 00:00-24:00
}
define contact {
  contact_name nobody
  host_notifications_enabled 0
  service_notifications_enabled 0
  host_notification_period 24x7
  service_notification_period 24x7
  host_notification_options n
  service_notification_options n
  host_notification_commands host_up
  service_notification_commands host_up
}
define command {
  command_name host_up
  command_line $USER1$/check_dummy 0 "host up"
}
define command {
  command_name check_revocation
  command_line $USER2$/check_revocation --state-file %(run)s/$SERVICEDESC$.state $ARG1$
}
define host {
  host_name localhost
  address 127.0.0.1
  check_command host_up
  check_interval 5
  retry_interval 1
  max_check_attempts 1
  check_period 24x7
  contacts nobody
  notification_period 24x7
}
""" % {"run": RUN})
    for name, (args, _, _) in SERVICES.items():
        f.write(f"""define service {{
  host_name localhost
  service_description {name}
  check_command check_revocation!{args}
  check_interval 3
  retry_interval 1
  max_check_attempts 1
  check_period 24x7
  contacts nobody
  notification_period 24x7
}}
""")

v = subprocess.run([NAGIOS, "-v", os.path.join(T, "nagios.cfg")], capture_output=True, text=True)
if v.returncode != 0:
    print(v.stdout[-3000:])
    sys.exit("nagios4 -v refused the configuration")

log = open(os.path.join(T, "daemon.out"), "w")
daemon = subprocess.Popen([NAGIOS, os.path.join(T, "nagios.cfg")], stdout=log, stderr=subprocess.STDOUT)
status = {}
try:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        time.sleep(0.5)
        try:
            text = open(os.path.join(RUN, "status.dat")).read()
        except OSError:
            continue
        status = {}
        for block in re.findall(r"servicestatus \{\n(.*?)\n\t\}", text, re.S):
            fields = dict(line.strip().split("=", 1) for line in block.splitlines() if "=" in line)
            status[fields["service_description"]] = fields
        if len(status) == len(SERVICES) and all(s["has_been_checked"] == "1" for s in status.values()):
            break
    else:
        print(open(os.path.join(T, "daemon.out")).read()[-3000:])
        sys.exit(f"not every service was checked in time: {sorted(status)}")
finally:
    daemon.send_signal(signal.SIGTERM)
    rc = daemon.wait(timeout=30)

registry = [line.split()[0] for line in
            subprocess.run([REVMON, "metrics"], capture_output=True, text=True).stdout.splitlines()[1:]]
passed = failed = 0
for name, (_, state, start) in SERVICES.items():
    s = status[name]
    try:
        assert s["current_state"] == str(state), (s["current_state"], s["plugin_output"])
        assert s["plugin_output"].startswith(start), s["plugin_output"]
        if state != 3:
            pd = perfdata.parse(s["performance_data"])
            assert list(pd) == registry, "perfdata labels differ from the registry"
        passed += 1
        print(f"ok   {name}: state {state}, {s['plugin_output'][:90]}")
    except Exception as e:
        failed += 1
        print(f"FAIL {name}: {e!r}")
try:
    assert rc == 0, f"nagios4 exited {rc}"
    passed += 1
    print("ok   nagios4 shut down cleanly")
except AssertionError as e:
    failed += 1
    print(f"FAIL {e}")
subprocess.run(["rm", "-rf", T])
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
