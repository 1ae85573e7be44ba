#!/usr/bin/env python3
"""The Debian package end to end: cmake --build --target package, dpkg -i,
every piece where Debian's monitoring packages look for it, each adapter run
from its installed path against the stock configuration of its daemon plus
the shipped drop-in snippet, man -l without warnings, dpkg -r keeping the
operator's /etc/revmon, then dpkg -P to leave the machine as it was."""
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tally import Tally  # noqa: E402

SRC = os.path.abspath(sys.argv[1])
EXAMPLES = "/usr/share/doc/revmon/examples"
TALLY = Tally()
placed = []  # files this test put under /etc, removed at the end


def sh(*cmd, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return p


def place(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy(src, dst)
    placed.append(dst)


if os.geteuid() != 0:
    print("skipped: installing a package needs root")
    sys.exit(77)

T = tempfile.mkdtemp(prefix="revmon-pkg-")
build = os.path.join(T, "build")
sh("cmake", "-S", SRC, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DCMAKE_INSTALL_PREFIX=/usr",
   "-DREVMON_TESTS=OFF")
sh("cmake", "--build", build, "-j", str(os.cpu_count() or 2))
sh("cmake", "--build", build, "--target", "package")
debs = glob.glob(os.path.join(build, "revmon_*.deb"))
assert len(debs) == 1, debs
DEB = debs[0]
print(f"built {os.path.basename(DEB)}")


def t_control_fields():
    info = sh("dpkg-deb", "-f", DEB, "Depends", "Suggests").stdout
    for lib in ("libcurl4", "libjansson4", "libsnmp40", "libssl3"):
        assert lib in info, f"{lib} missing from Depends: {info}"
    dep_line = info.split("\n")[0]
    for daemon in ("collectd", "snmpd", "nagios"):
        assert daemon not in dep_line, f"{daemon} is a hard dependency: {dep_line}"
    assert "collectd-core" in info and "snmpd" in info, info
    conff = sh("dpkg-deb", "--ctrl-tarfile", DEB).stdout
    assert conff is not None


sh("dpkg", "-i", DEB)


def t_files_where_debian_looks():
    want = {
        "/usr/bin/revmon": 0o755,
        "/usr/lib/nagios/plugins/check_revocation": 0o755,
        "/usr/lib/collectd/revmon.so": None,
        "/usr/sbin/revmon-agentx": 0o755,
        "/usr/share/snmp/mibs/REVMON-MIB.txt": 0o644,
        "/usr/share/man/man1/revmon.1.gz": 0o644,
        "/usr/share/man/man1/check_revocation.1.gz": 0o644,
        "/usr/share/man/man5/revmon.conf.5.gz": 0o644,
        "/usr/share/man/man8/revmon-agentx.8.gz": 0o644,
        "/etc/revmon/revmon.conf": 0o644,
        "/etc/revmon/revmon-agentx.conf": 0o644,
        "/lib/systemd/system/revmon-agentx.service": 0o644,
        "/usr/include/revmon.h": 0o644,
        f"{EXAMPLES}/collectd-revmon.conf": 0o644,
        f"{EXAMPLES}/snmpd-revmon.conf": 0o644,
        f"{EXAMPLES}/nagios-revocation.cfg": 0o644,
        f"{EXAMPLES}/icinga2-revocation.conf": 0o644,
    }
    for path, mode in want.items():
        assert os.path.exists(path), f"{path} not installed"
        if mode is not None:
            got = os.stat(path).st_mode & 0o777
            assert got == mode, f"{path}: mode {oct(got)}, expected {oct(mode)}"
    st = os.stat("/etc/revmon")
    assert st.st_mode & 0o022 == 0, "/etc/revmon writable by group or others"
    assert glob.glob("/usr/lib/*/librevmon.so.0*") or glob.glob("/usr/lib/librevmon.so.0*"), "no shared library"
    assert glob.glob("/usr/lib/*/pkgconfig/revmon.pc") or glob.glob("/usr/lib/pkgconfig/revmon.pc")


def t_library_embeds():
    prog = os.path.join(T, "embed.c")
    with open(prog, "w") as f:
        f.write('#include <stdio.h>\n#include <revmon.h>\n'
                'int main(void){printf("%s %zu\\n", revmon_version(), revmon_metric_count());'
                'return revmon_metric_find("revocation_lag_p95") < 0;}\n')
    flags = sh("pkg-config", "--cflags", "--libs", "revmon").stdout.split()
    sh("cc", "-o", os.path.join(T, "embed"), prog, *flags)
    out = sh(os.path.join(T, "embed")).stdout
    assert out.split()[1] == str(len(sh("revmon", "metrics").stdout.splitlines()) - 1), out
    # only the public API is exported from the shared library
    lib = (glob.glob("/usr/lib/*/librevmon.so.0") or glob.glob("/usr/lib/librevmon.so.0"))[0]
    syms = [l.split()[-1] for l in sh("nm", "-D", "--defined-only", lib).stdout.splitlines()]
    assert syms and all(s.startswith("revmon_") for s in syms), [s for s in syms if not s.startswith("revmon_")]


def t_man_pages_render_cleanly():
    for page in ("man1/revmon.1.gz", "man1/check_revocation.1.gz", "man5/revmon.conf.5.gz",
                 "man8/revmon-agentx.8.gz"):
        p = sh("man", "--warnings", "-l", "/usr/share/man/" + page, env=dict(os.environ, MANWIDTH="80",
                                                                             MANPAGER="cat", LC_ALL="C.UTF-8"))
        assert p.stderr.strip() == "", f"{page}: {p.stderr}"
        assert len(p.stdout) > 500, page
    conf = sh("man", "-l", "/usr/share/man/man5/revmon.conf.5.gz",
              env=dict(os.environ, MANWIDTH="200", MANPAGER="cat", LC_ALL="C.UTF-8")).stdout
    for line in sh("revmon", "keys").stdout.splitlines() + sh("revmon", "metrics").stdout.splitlines()[1:]:
        assert line.split()[0] in conf, f"revmon.conf(5) lacks {line.split()[0]}"


def t_revmon_command():
    out = sh("/usr/bin/revmon", "report", "--config", "/etc/revmon/revmon.conf").stdout
    assert "monitor demo" in out and "SIMULATED DATA" in out, out[:300]


def t_nagios_stock_config_with_snippet():
    place(f"{EXAMPLES}/nagios-revocation.cfg", "/etc/nagios4/conf.d/revmon-revocation.cfg")
    v = sh("nagios4", "-v", "/etc/nagios4/nagios.cfg", check=False)
    assert v.returncode == 0 and "Things look okay" in v.stdout, v.stdout[-1500:]
    # the command line the snippet defines, run as the daemon's user
    p = sh("runuser", "-u", "nagios", "--", "/usr/lib/nagios/plugins/check_revocation",
           "--config", "/etc/revmon/revmon.conf", "--monitor", "demo", "-w", "lag_p95=600", check=False)
    assert p.returncode in (0, 1, 2) and p.stdout.startswith("REVOCATION "), (p.returncode, p.stdout[:300])
    assert "[simulated tenant]" in p.stdout


def status_blocks(path):
    """[{key: value}] of the servicestatus blocks of a nagios status.dat."""
    blocks, cur = [], None
    try:
        with open(path, errors="replace") as f:
            for line in f:
                line = line.strip()
                if line == "servicestatus {":
                    cur = {}
                elif line == "}" and cur is not None:
                    blocks.append(cur)
                    cur = None
                elif cur is not None and "=" in line:
                    k, v = line.split("=", 1)
                    cur[k] = v
    except OSError:
        pass
    return blocks


def files_below(*dirs):
    return {os.path.join(d, n) for top in dirs for d, _, names in os.walk(top) for n in names}


def t_nagios_stock_daemon_runs_the_check():
    """The stock nagios4 (it drops to the nagios user) with the snippet in
    conf.d: told to check the service now, it runs check_revocation and
    records its state, output and perfdata."""
    service = "Token revocation demo"
    state_dirs = ("/var/lib/nagios4", "/var/log/nagios4")
    before = files_below(*state_dirs)
    run_dir = "/var/run/nagios4"  # the pid file's directory, made by systemd at boot
    made = not os.path.isdir(run_dir)
    if made:
        os.makedirs(run_dir)
        shutil.chown(run_dir, "nagios", "nagios")
    log = open(os.path.join(T, "nagios4.out"), "w")
    d = subprocess.Popen(["nagios4", "/etc/nagios4/nagios.cfg"], stdout=log, stderr=subprocess.STDOUT)
    try:
        cmd_file = "/var/lib/nagios4/rw/nagios.cmd"
        deadline = time.monotonic() + 30
        while not os.path.exists(cmd_file):
            assert d.poll() is None and time.monotonic() < deadline, \
                f"nagios4 exited ({d.returncode}) or made no command file"
            time.sleep(0.2)
        asked = int(time.time())
        fd = os.open(cmd_file, os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, f"[{asked}] SCHEDULE_FORCED_SVC_CHECK;localhost;{service};{asked}\n".encode())
        os.close(fd)
        deadline = time.monotonic() + 60
        got = None
        while time.monotonic() < deadline and d.poll() is None:
            for b in status_blocks("/var/lib/nagios4/status.dat"):
                if b.get("service_description") == service and int(b.get("last_check", 0)) >= asked:
                    got = b
            if got:
                break
            time.sleep(1)
        assert got, f"no result of '{service}' in status.dat after the forced check"
        assert got["plugin_output"].startswith("REVOCATION "), got["plugin_output"]
        assert got["current_state"] in ("0", "1", "2"), (got["current_state"], got["plugin_output"])
        assert "revocation_lag_p95=" in got["performance_data"], got["performance_data"][:300]
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait(timeout=30)
        log.close()
        for f in files_below(*state_dirs) - before:
            os.remove(f)
        if made:
            shutil.rmtree(run_dir, ignore_errors=True)


def t_collectd_stock_config_with_snippet():
    place(f"{EXAMPLES}/collectd-revmon.conf", "/etc/collectd/collectd.conf.d/revmon.conf")
    sock = os.path.join(T, "collectd.sock")
    conf = os.path.join(T, "collectd.conf")
    plugin_log = os.path.join(T, "collectd-plugins.log")
    with open(conf, "w") as f:
        # Debian's stock configuration, the drop-in directory it includes,
        # and a unix socket for the test to read values through. The host
        # name is given: the stock FQDNLookup makes collectd exit on a host
        # whose name does not resolve (a fresh chroot, a container).
        f.write('Hostname "revmon-package-test"\nFQDNLookup false\n'
                'Include "/usr/share/doc/collectd-core/examples/collectd.conf"\n'
                '<Include "/etc/collectd/collectd.conf.d">\n  Filter "*.conf"\n</Include>\n'
                f'LoadPlugin unixsock\n<Plugin unixsock>\n  SocketFile "{sock}"\n  SocketGroup "root"\n</Plugin>\n'
                # the stock configuration logs to syslog: keep a copy for the failure message
                f'LoadPlugin logfile\n<Plugin logfile>\n  LogLevel "info"\n  File "{plugin_log}"\n</Plugin>\n')
    log = open(os.path.join(T, "collectd.log"), "w")
    d = subprocess.Popen(["collectd", "-f", "-C", conf], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        values = []
        while time.monotonic() < deadline:
            time.sleep(1)
            p = subprocess.run(["collectdctl", "-s", sock, "listval"], capture_output=True, text=True)
            values = [l for l in p.stdout.splitlines() if "/revmon-demo/" in l]
            if any("revocation_lag_p95" in v for v in values):
                break
        if not any("revmon-demo/duration-revocation_lag_p95" in v for v in values):
            logs = [open(x, errors="replace").read()[-1500:] for x in
                    (os.path.join(T, "collectd.log"), plugin_log) if os.path.exists(x)]
            raise AssertionError("no revocation_lag_p95 of revmon-demo after 60 s (%d values: %s)\n%s"
                                 % (len(values), values[:3], "\n".join(logs)))
        assert any("derive-signins" in v for v in values), values[:5]
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait(timeout=30)


def t_snmpd_stock_config_with_snippet():
    place(f"{EXAMPLES}/snmpd-revmon.conf", "/etc/snmp/snmpd.conf.d/revmon.conf")
    base = os.path.join(T, "mibs")  # SNMPv2-SMI & co., absent from Debian main
    sh("bash", os.path.join(SRC, "tests", "integration", "snmp", "mibcache.sh"), base)
    snmpd = subprocess.Popen(["snmpd", "-f", "-Lo", "-C", "-c", "/etc/snmp/snmpd.conf", "-p",
                              os.path.join(T, "snmpd.pid")], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    agent = None
    try:
        for _ in range(50):
            if os.path.exists("/var/agentx/master"):
                break
            time.sleep(0.2)
        agent = subprocess.Popen(["/usr/sbin/revmon-agentx", "-c", "/etc/revmon/revmon-agentx.conf"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        mibdirs = ":".join(x for x in (base, "/usr/share/snmp/mibs") if x)
        env = dict(os.environ, SNMP_PERSISTENT_DIR=os.path.join(T, "snmp-client"))
        out = ""
        for _ in range(60):
            time.sleep(0.5)
            p = subprocess.run(["snmpwalk", "-v2c", "-c", "public", "-M", mibdirs, "-m", "REVMON-MIB",
                                "127.0.0.1", "REVMON-MIB::revmonSourceName"], capture_output=True, text=True, env=env)
            out = p.stdout
            if "demo" in out:
                break
        assert "REVMON-MIB::revmonSourceName." in out and "demo" in out, out + p.stderr
    finally:
        if agent:
            agent.send_signal(signal.SIGTERM)
            agent.wait(timeout=30)
        snmpd.send_signal(signal.SIGTERM)
        snmpd.wait(timeout=30)


def t_remove_keeps_operator_files():
    with open("/etc/revmon/revmon.conf", "a") as f:
        f.write("# an operator's edit\n")
    sh("dpkg", "-r", "revmon")
    assert not os.path.exists("/usr/bin/revmon")
    assert os.path.exists("/etc/revmon/revmon.conf"), "removal deleted the operator's configuration"
    assert "an operator's edit" in open("/etc/revmon/revmon.conf").read()


for t in (t_control_fields, t_files_where_debian_looks, t_library_embeds, t_man_pages_render_cleanly,
          t_revmon_command, t_nagios_stock_config_with_snippet, t_nagios_stock_daemon_runs_the_check,
          t_collectd_stock_config_with_snippet,
          t_snmpd_stock_config_with_snippet, t_remove_keeps_operator_files):
    TALLY.run(t)

# leave the machine as it was
for f in placed:
    if os.path.exists(f):
        os.remove(f)
sh("dpkg", "-P", "revmon", check=False)
shutil.rmtree(T, ignore_errors=True)
sys.exit(TALLY.summary())
