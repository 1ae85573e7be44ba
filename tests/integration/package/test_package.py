#!/usr/bin/env python3
"""The Debian packages end to end: dpkg-buildpackage from a copy of the
source tree in a private directory, lintian --pedantic (any error or warning
fails), each package's contents and metadata (the split, no libsnmp outside
revmon-snmp, stripped binaries with their debug info in -dbgsym, hardening,
the library's symbols file and ldconfig trigger), dpkg -i of them all, the
system user and the subagent's unit (systemd-analyze verify; installed
disabled), every adapter run from its installed path against the stock
configuration of its daemon plus the shipped snippet (the subagent as its
system user), man -l without warnings, dpkg -r keeping the operator's files,
dpkg -P leaving nothing of the packages behind.

usage: test_package.py SOURCE_DIR"""
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
from tally import Tally  # noqa: E402
import debs as D  # noqa: E402

SRC = os.path.abspath(sys.argv[1])
PACKAGES = ["librevmon0", "librevmon-dev", "revmon", "monitoring-plugins-revmon",
            "collectd-plugin-revmon", "revmon-snmp"]
WITH_ELF = ["librevmon0", "revmon", "monitoring-plugins-revmon", "collectd-plugin-revmon", "revmon-snmp"]
USER = "_revmon"
UNIT = "/lib/systemd/system/revmon-agentx.service"
TALLY = Tally()
sh = D.sh
placed = []  # files this test put under /etc, removed at the end


def examples(pkg):
    return f"/usr/share/doc/{pkg}/examples"


def place(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy(src, dst)
    placed.append(dst)


def dpkg(*args):
    """dpkg, waiting while another apt or dpkg holds the lock."""
    deadline = time.monotonic() + 300
    while True:
        p = sh("dpkg", *args, check=False)
        if p.returncode == 0 or "lock" not in p.stderr or time.monotonic() > deadline:
            return p
        time.sleep(2)


missing = [t for t in ("dpkg-buildpackage", "dh", "lintian", "hardening-check", "systemd-analyze")
           if not shutil.which(t)]
if os.geteuid() != 0:
    print("skipped: installing packages needs root")
    sys.exit(77)
if missing:
    print("skipped: missing " + " ".join(missing) + " (scripts/deps.sh installs them)")
    sys.exit(77)

T = tempfile.mkdtemp(prefix="revmon-pkg-")
user_existed = True
try:
    pwd.getpwnam(USER)
except KeyError:
    user_existed = False
DEBS, CHANGES = {}, None  # what build() made


# --- the packages as files -------------------------------------------------

def t_lintian_pedantic_has_no_error_or_warning():
    p = sh("lintian", "--pedantic", "-I", "-E", "--show-overrides", "--tag-display-limit", "0", CHANGES,
           check=False)
    tags = [line for line in p.stdout.splitlines() if re.match(r"^[EWIPXO]: ", line)]
    for line in tags:
        print("  lintian " + line)
    bad = [line for line in tags if line[0] in "EW"]
    assert p.returncode in (0, 1, 2) and "internal error" not in p.stderr.lower(), p.stderr[-1500:]
    assert not bad, f"{len(bad)} errors or warnings:\n" + "\n".join(bad)


def t_one_package_per_host():
    want = set(PACKAGES) | {p + "-dbgsym" for p in WITH_ELF}
    assert set(DEBS) == want, f"built {sorted(DEBS)}, expected {sorted(want)}"
    depends = {p: D.field(DEBS[p], "Depends") for p in PACKAGES}
    for p in PACKAGES:
        if p != "revmon-snmp":
            assert "libsnmp" not in depends[p], f"{p} depends on libsnmp: {depends[p]}"
    assert "libsnmp40" in depends["revmon-snmp"], depends["revmon-snmp"]
    for p in ("revmon", "monitoring-plugins-revmon", "collectd-plugin-revmon", "revmon-snmp", "librevmon0"):
        for lib in ("libcurl4", "libjansson4", "libssl3"):
            assert lib in depends[p], f"{lib} missing from {p}'s Depends: {depends[p]}"
        for daemon in ("nagios", "icinga", "snmpd"):
            assert daemon not in depends[p], f"{p} depends on {daemon}: {depends[p]}"
    assert "collectd" not in depends["monitoring-plugins-revmon"] + depends["revmon-snmp"]
    for p in ("monitoring-plugins-revmon", "collectd-plugin-revmon", "revmon-snmp"):
        assert re.search(r"\brevmon \(= ", depends[p]), f"{p} does not depend on revmon: {depends[p]}"
    assert D.field(DEBS["librevmon0"], "Section") == "libs"


def t_each_file_in_its_package():
    ma = sh("dpkg-architecture", "-qDEB_HOST_MULTIARCH").stdout.strip()
    want = {
        "librevmon0": [f"/usr/lib/{ma}/librevmon.so.0", f"/usr/lib/{ma}/librevmon.so.0.1.0"],
        "librevmon-dev": ["/usr/include/revmon.h", f"/usr/lib/{ma}/librevmon.so", f"/usr/lib/{ma}/librevmon.a",
                          f"/usr/lib/{ma}/pkgconfig/revmon.pc"],
        "revmon": ["/usr/bin/revmon", "/etc/revmon/revmon.conf", "/usr/share/man/man1/revmon.1.gz",
                   "/usr/share/man/man5/revmon.conf.5.gz"],
        "monitoring-plugins-revmon": ["/usr/lib/nagios/plugins/check_revocation",
                                      "/usr/share/man/man1/check_revocation.1.gz",
                                      examples("monitoring-plugins-revmon") + "/nagios-revocation.cfg",
                                      examples("monitoring-plugins-revmon") + "/icinga2-revocation.conf"],
        "collectd-plugin-revmon": ["/usr/lib/collectd/revmon.so",
                                   examples("collectd-plugin-revmon") + "/collectd-revmon.conf"],
        "revmon-snmp": ["/usr/sbin/revmon-agentx", UNIT, "/etc/revmon/revmon-agentx.conf",
                        "/usr/share/snmp/mibs/REVMON-MIB.txt", "/usr/share/man/man8/revmon-agentx.8.gz",
                        examples("revmon-snmp") + "/snmpd-revmon.conf", "/usr/share/doc/revmon-snmp/README.Debian"],
    }
    owner = {}
    for p in PACKAGES:
        got = D.files(DEBS[p])
        for path in want[p]:
            assert path in got, f"{path} is not in {p}"
        assert f"/usr/share/doc/{p}/copyright" in got, f"{p} has no copyright file"
        for path in got:
            assert path not in owner, f"{path} is in both {owner[path]} and {p}"
            owner[path] = p
    lib_elves = [x for x in D.files(DEBS["librevmon0"]) if not x.startswith("/usr/share/")]
    assert sorted(lib_elves) == sorted(want["librevmon0"]), lib_elves


def elves(pkg):
    """(path in the package, path unpacked) of each ELF file of a package."""
    root = D.unpack(DEBS[pkg], T)
    out = []
    for path in D.files(DEBS[pkg]):
        full = root + path
        if os.path.isfile(full) and not os.path.islink(full) and D.is_elf(full):
            out.append((path, full))
    return out


def t_binaries_stripped_debug_info_in_dbgsym():
    n = 0
    for pkg in WITH_ELF:
        dbg_root = D.unpack(DEBS[pkg + "-dbgsym"], T)
        found = elves(pkg)
        assert found, f"{pkg} has no ELF file"
        for path, full in found:
            secs = D.sections(full)
            assert ".debug_info" not in secs and ".symtab" not in secs, f"{pkg}: {path} is not stripped"
            bid = D.build_id(full)
            assert bid, f"{pkg}: {path} has no build id"
            dbg = os.path.join(dbg_root, "usr/lib/debug/.build-id", bid[:2], bid[2:] + ".debug")
            assert os.path.exists(dbg), f"{pkg}-dbgsym lacks the debug info of {path} ({bid})"
            assert ".debug_info" in D.sections(dbg), f"{dbg} has no .debug_info"
            n += 1
    print(f"  {n} ELF files stripped, each with its .debug file in its -dbgsym package")


def t_binaries_hardened():
    for pkg in WITH_ELF:
        for path, full in elves(pkg):
            # Debian 12's startup files carry no IBT/SHSTK property, so no
            # program linked there can: control-flow protection is not asked.
            p = sh("hardening-check", "--nocfprotection", full, check=False)
            assert p.returncode == 0, f"{pkg}: hardening-check {path}:\n{p.stdout}"
            facts = D.hardening_facts(full)
            assert all(facts.values()), f"{pkg}: {path}: {facts}"


def t_library_symbols_shlibs_and_ldconfig_trigger():
    deb = DEBS["librevmon0"]
    symbols = D.control_file(deb, "symbols", T)
    assert symbols and symbols.startswith("librevmon.so.0 librevmon0 #MINVER#"), symbols
    assert "revmon_open@Base" in symbols and "Build-Depends-Package: librevmon-dev" in symbols, symbols[:400]
    shlibs = D.control_file(deb, "shlibs", T)
    assert shlibs and shlibs.split()[:3] == ["librevmon", "0", "librevmon0"], shlibs
    triggers = D.control_file(deb, "triggers", T) or ""
    assert "activate-noawait ldconfig" in triggers, triggers
    for pkg in PACKAGES:
        for script in ("preinst", "postinst", "prerm", "postrm"):
            text = D.control_file(DEBS[pkg], script, T) or ""
            assert "ldconfig" not in text, f"{pkg}'s {script} calls ldconfig"


def t_subagent_maintainer_scripts():
    deb = DEBS["revmon-snmp"]
    postinst = D.control_file(deb, "postinst", T) or ""
    assert re.search(r"adduser --system .*_revmon", postinst, re.S), postinst
    # installed disabled (dh_installsystemd --no-enable): enabled again only
    # on upgrades of a unit the operator had enabled
    assert postinst.count("deb-systemd-helper enable") == 1, postinst
    guard = postinst.find("if deb-systemd-helper debian-installed 'revmon-agentx.service'")
    assert 0 <= guard < postinst.index("deb-systemd-helper enable"), "the unit is enabled on install:\n" + postinst
    # restarted on upgrade (deb-systemd-invoke restarts only what runs or is enabled)
    assert "_dh_action=restart" in postinst, postinst
    prerm = D.control_file(deb, "prerm", T) or ""
    assert "deb-systemd-invoke stop" in prerm, prerm
    postrm = D.control_file(deb, "postrm", T) or ""
    assert "purge" in postrm and "deb-systemd-helper purge" in postrm, postrm
    conffiles = D.control_file(deb, "conffiles", T) or ""
    assert "/etc/revmon/revmon-agentx.conf" in conffiles, conffiles
    assert "/etc/revmon/revmon.conf" in (D.control_file(DEBS["revmon"], "conffiles", T) or "")


# --- installed --------------------------------------------------------------

def install_all():
    """dpkg -i every package but the -dbgsym ones (apt-get -f for what the
    machine lacks); the file lists, for the purge check."""
    p = dpkg("-i", *[DEBS[p] for p in PACKAGES])
    if p.returncode != 0:
        fix = sh("apt-get", "-o", "DPkg::Lock::Timeout=300", "-f", "install", "-y", "--no-install-recommends",
                 check=False, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        assert fix.returncode == 0, f"dpkg -i: {p.stderr[-1500:]}\napt-get -f install: {fix.stderr[-1500:]}"
    return {pkg: sh("dpkg", "-L", pkg).stdout.split() for pkg in PACKAGES}


def t_system_user():
    u = pwd.getpwnam(USER)
    login_defs = open("/etc/login.defs").read()
    sys_max = int(re.search(r"^SYS_UID_MAX\s+(\d+)", login_defs, re.M).group(1)) \
        if re.search(r"^SYS_UID_MAX", login_defs, re.M) else 999
    assert u.pw_uid <= sys_max, f"{USER} uid {u.pw_uid} is not a system uid"
    assert u.pw_shell in ("/usr/sbin/nologin", "/bin/false", "/sbin/nologin"), u.pw_shell
    assert not os.path.exists(u.pw_dir), f"{USER} has a home directory {u.pw_dir}"
    assert sh("getent", "group", USER).stdout.startswith(USER + ":"), "no group " + USER


def unit_settings():
    out = {}
    for line in open(UNIT):
        line = line.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            k, v = line.split("=", 1)
            out.setdefault(k, []).append(v)
    return out


def t_unit_verifies_runs_as_its_user_and_is_disabled():
    p = sh("systemd-analyze", "verify", UNIT, check=False)
    assert p.returncode == 0 and p.stderr.strip() == "", f"systemd-analyze verify: {p.returncode}\n{p.stderr}"
    s = unit_settings()
    assert s["User"] == [USER] and s["Group"] == [USER], s.get("User")
    doc = s["Documentation"][0]
    m = re.fullmatch(r"man:([\w.-]+)\((\d)\)", doc)
    assert m and sh("man", "-w", m.group(2), m.group(1), check=False).returncode == 0, f"{doc} is not shipped"
    for key in ("ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths"):
        for path in " ".join(s.get(key, [])).split():
            assert path.startswith("-"), f"{key}={path} fails where {path} is missing (no leading -)"
    state = sh("systemctl", "is-enabled", "revmon-agentx.service", check=False).stdout.strip()
    assert state == "disabled", f"revmon-agentx.service is {state}, expected disabled until configured"
    sec = sh("systemd-analyze", "security", "--offline=yes", UNIT, check=False)
    level = (sec.stdout.strip().splitlines() or ["?"])[-1]
    print("  " + level)
    assert "UNSAFE" not in level and "EXPOSED" not in level, level


def active_sources(path):
    return [v.strip() for k, _, v in (line.split("#", 1)[0].partition("=") for line in open(path))
            if k.strip() == "source"]


def t_shipped_configurations_run_the_simulator_only():
    for conf in ("/etc/revmon/revmon.conf", "/etc/revmon/revmon-agentx.conf"):
        srcs = active_sources(conf)
        assert srcs and all(s == "sim" for s in srcs), f"{conf}: sources {srcs}"
    out = sh("/usr/bin/revmon", "report", "--config", "/etc/revmon/revmon.conf").stdout
    assert "monitor demo" in out and "SIMULATED DATA" in out, out[:300]
    p = sh("runuser", "-u", USER, "--", "/usr/sbin/revmon-agentx", "-t", "-c", "/etc/revmon/revmon-agentx.conf")
    assert "ok, 1 monitor(s)" in p.stdout, p.stdout


def t_files_where_debian_looks():
    want = {
        "/usr/bin/revmon": 0o755,
        "/usr/lib/nagios/plugins/check_revocation": 0o755,
        "/usr/lib/collectd/revmon.so": 0o644,
        "/usr/sbin/revmon-agentx": 0o755,
        "/usr/share/snmp/mibs/REVMON-MIB.txt": 0o644,
        "/etc/revmon/revmon.conf": 0o644,
        "/etc/revmon/revmon-agentx.conf": 0o644,
        UNIT: 0o644,
        "/usr/include/revmon.h": 0o644,
    }
    for path, mode in want.items():
        assert os.path.exists(path), f"{path} not installed"
        got = os.stat(path).st_mode & 0o777
        assert got == mode, f"{path}: mode {oct(got)}, expected {oct(mode)}"
    assert os.stat("/etc/revmon").st_mode & 0o022 == 0, "/etc/revmon writable by group or others"
    assert glob.glob("/usr/lib/*/librevmon.so.0"), "no shared library"
    assert glob.glob("/usr/lib/*/pkgconfig/revmon.pc"), "no pkg-config file"


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
    assert "librevmon.so.0 =>" in sh("ldd", os.path.join(T, "embed")).stdout
    # only the public API is exported from the shared library
    lib = glob.glob("/usr/lib/*/librevmon.so.0")[0]
    syms = [line.split()[-1] for line in sh("nm", "-D", "--defined-only", lib).stdout.splitlines()]
    assert syms and all(s.startswith("revmon_") for s in syms), [s for s in syms if not s.startswith("revmon_")]


def t_man_pages_render_cleanly():
    for page in ("man1/revmon.1.gz", "man1/check_revocation.1.gz", "man5/revmon.conf.5.gz",
                 "man8/revmon-agentx.8.gz"):
        p = sh("man", "--warnings", "-l", "/usr/share/man/" + page,
               env=dict(os.environ, MANWIDTH="80", MANPAGER="cat", LC_ALL="C.UTF-8"))
        assert p.stderr.strip() == "", f"{page}: {p.stderr}"
        assert len(p.stdout) > 500, page
    conf = sh("man", "-l", "/usr/share/man/man5/revmon.conf.5.gz",
              env=dict(os.environ, MANWIDTH="200", MANPAGER="cat", LC_ALL="C.UTF-8")).stdout
    for line in sh("revmon", "keys").stdout.splitlines() + sh("revmon", "metrics").stdout.splitlines()[1:]:
        assert line.split()[0] in conf, f"revmon.conf(5) lacks {line.split()[0]}"


def t_nagios_stock_config_with_snippet():
    place(examples("monitoring-plugins-revmon") + "/nagios-revocation.cfg",
          "/etc/nagios4/conf.d/revmon-revocation.cfg")
    v = sh("nagios4", "-v", "/etc/nagios4/nagios.cfg", check=False)
    assert v.returncode == 0 and "Things look okay" in v.stdout, v.stdout[-1500:]
    # the command line the snippet defines, run as the daemon's user
    p = sh("runuser", "-u", "nagios", "--", "/usr/lib/nagios/plugins/check_revocation",
           "--config", "/etc/revmon/revmon.conf", "--monitor", "demo", "-w", "lag_p95=600", check=False)
    assert p.returncode in (0, 1, 2) and p.stdout.startswith("REVOCATION "), (p.returncode, p.stdout[:300])
    assert "[simulated tenant]" in p.stdout


ICINGA_STATE = "/var/lib/icinga2/revmon"  # the shipped CheckCommand's default state directory


def t_icinga2_stock_config_with_snippet():
    """Icinga 2's stock configuration with the shipped CheckCommand in
    conf.d validates, and the check run as the daemon's user with that
    command's default state file makes its directory (purged later)."""
    assert shutil.which("icinga2") and os.path.isdir("/var/lib/icinga2"), \
        "icinga2 is not installed (scripts/deps.sh installs icinga2-bin and icinga2-common)"
    place(examples("monitoring-plugins-revmon") + "/icinga2-revocation.conf",
          "/etc/icinga2/conf.d/revmon-revocation.conf")
    cache = tempfile.mkdtemp(prefix="revmon-pkg-icinga-")
    shutil.chown(cache, "nagios", "nagios")
    try:
        v = sh("icinga2", "daemon", "-C", f"-DCacheDir={cache}", check=False)
        assert v.returncode == 0, v.stdout[-1500:] + v.stderr[-500:]
        obj = sh("icinga2", "object", "list", "--type", "CheckCommand", "--name", "revocation",
                 f"-DCacheDir={cache}").stdout
        assert "/check_revocation" in obj, obj[:500]
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    made = not os.path.exists(ICINGA_STATE)
    p = sh("runuser", "-u", "nagios", "--", "/usr/lib/nagios/plugins/check_revocation", "--config",
           "/etc/revmon/revmon.conf", "--monitor", "demo", "--state-file",
           ICINGA_STATE + "/localhost-revocation-demo.state", check=False)
    assert p.returncode in (0, 1, 2) and p.stdout.startswith("REVOCATION "), (p.returncode, p.stdout[:300], p.stderr)
    assert not made or os.path.isdir(ICINGA_STATE), f"the check made no {ICINGA_STATE}"


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
    place(examples("collectd-plugin-revmon") + "/collectd-revmon.conf", "/etc/collectd/collectd.conf.d/revmon.conf")
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




def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def private_snmpd():
    """The stock snmpd.conf (with the snippets of snmpd.conf.d) run as
    Debian's unit runs it (dropping to Debian-snmp), on a loopback port and
    an AgentX socket of its own. Returns (process, port, socket path)."""
    top = tempfile.mkdtemp(prefix="revmon-pkg-agentx-")
    os.chmod(top, 0o755)  # the subagent's user walks to the socket
    sock = os.path.join(top, "agentx", "master")
    port = free_udp_port()
    override = os.path.join(T, "snmpd-private.conf")
    with open(override, "w") as f:
        f.write(f"agentaddress udp:127.0.0.1:{port}\nagentXSocket {sock}\n")
    persist = os.path.join(T, "snmpd-persist")
    os.makedirs(persist, exist_ok=True)
    shutil.chown(persist, "Debian-snmp", "Debian-snmp")
    d = subprocess.Popen(["snmpd", "-f", "-Lo", "-u", "Debian-snmp", "-g", "Debian-snmp",
                          "-I", "-smux,mteTrigger,mteTriggerConf", "-C", "-c", f"/etc/snmp/snmpd.conf,{override}"],
                         stdout=open(os.path.join(T, "snmpd.log"), "w"), stderr=subprocess.STDOUT,
                         env=dict(os.environ, SNMP_PERSISTENT_DIR=persist))
    deadline = time.monotonic() + 30
    while not os.path.exists(sock):
        assert d.poll() is None and time.monotonic() < deadline, \
            "snmpd made no AgentX socket:\n" + open(os.path.join(T, "snmpd.log")).read()[-1500:]
        time.sleep(0.2)
    return d, port, sock, top


def t_snmpd_stock_config_with_snippet_subagent_as_its_user():
    place(examples("revmon-snmp") + "/snmpd-revmon.conf", "/etc/snmp/snmpd.conf.d/revmon.conf")
    base = os.path.join(T, "mibs")  # SNMPv2-SMI & co., absent from Debian main
    sh("bash", os.path.join(SRC, "tests", "integration", "snmp", "mibcache.sh"), base)
    snmpd, port, sock, top = private_snmpd()
    agent = None
    try:
        st = os.stat(sock)
        assert st.st_gid == pwd.getpwnam(USER).pw_gid and st.st_mode & 0o777 == 0o660, \
            f"the snippet's agentXPerms: socket {oct(st.st_mode & 0o777)} gid {st.st_gid}"
        # the shipped configuration, pointed at this snmpd's socket
        shipped = open("/etc/revmon/revmon-agentx.conf").read()
        conf_text, n = re.subn(r"(?m)^agentx_socket\s*=.*$", f"agentx_socket = {sock}", shipped)
        assert n == 1, "no agentx_socket line in revmon-agentx.conf"
        conf = os.path.join(top, "revmon-agentx.conf")
        with open(conf, "w") as f:
            f.write(conf_text)
        os.chmod(conf, 0o644)
        agent = subprocess.Popen(["setpriv", "--reuid", USER, "--regid", USER, "--init-groups", "--no-new-privs",
                                  "--", "/usr/sbin/revmon-agentx", "-c", conf],
                                 stdout=open(os.path.join(T, "agent.log"), "w"), stderr=subprocess.STDOUT)
        mibdirs = f"{base}:/usr/share/snmp/mibs"
        env = dict(os.environ, SNMP_PERSISTENT_DIR=os.path.join(T, "snmp-client"))
        out, err = "", ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and agent.poll() is None:
            time.sleep(0.5)
            p = subprocess.run(["snmpwalk", "-v2c", "-c", "public", "-M", mibdirs, "-m", "REVMON-MIB",
                                f"127.0.0.1:{port}", "REVMON-MIB::revmonSourceName"],
                               capture_output=True, text=True, env=env)
            out, err = p.stdout, p.stderr
            if "demo" in out:
                break
        assert "REVMON-MIB::revmonSourceName." in out and "demo" in out, \
            out + err + open(os.path.join(T, "agent.log")).read()[-1500:]
        owner = sh("ps", "-o", "user=", "-p", str(agent.pid)).stdout.strip()
        assert owner == USER, f"the subagent runs as {owner}"
    finally:
        if agent:
            agent.send_signal(signal.SIGTERM)
            agent.wait(timeout=30)
        snmpd.send_signal(signal.SIGTERM)
        snmpd.wait(timeout=30)
        shutil.rmtree(top, ignore_errors=True)


def t_reinstall_keeps_operator_edits():
    """An upgrade (here: the same version again) runs the postinst on an
    existing _revmon and keeps the operator's edits."""
    uid = pwd.getpwnam(USER).pw_uid
    with open("/etc/revmon/revmon-agentx.conf", "a") as f:
        f.write("# the operator's own line\n")
    p = dpkg("-i", *[DEBS[p] for p in PACKAGES])
    assert p.returncode == 0, p.stderr[-1500:]
    assert "the operator's own line" in open("/etc/revmon/revmon-agentx.conf").read(), "upgrade lost the edit"
    assert pwd.getpwnam(USER).pw_uid == uid, "upgrade changed the system user"
    assert sh("systemctl", "is-enabled", "revmon-agentx.service", check=False).stdout.strip() == "disabled"


def t_remove_keeps_operator_files():
    with open("/etc/revmon/revmon.conf", "a") as f:
        f.write("# an operator's edit\n")
    p = dpkg("-r", *PACKAGES)
    assert p.returncode == 0, p.stderr[-1500:]
    for path in ("/usr/bin/revmon", "/usr/sbin/revmon-agentx", "/usr/lib/nagios/plugins/check_revocation",
                 "/usr/lib/collectd/revmon.so", UNIT):
        assert not os.path.exists(path), f"{path} left after dpkg -r"
    assert "an operator's edit" in open("/etc/revmon/revmon.conf").read(), "removal lost the operator's edit"
    assert os.path.exists("/etc/revmon/revmon-agentx.conf"), "removal deleted revmon-agentx.conf"


def t_purge_leaves_nothing(listed):
    p = dpkg("-P", *PACKAGES)
    assert p.returncode == 0, p.stderr[-1500:]
    left = [f for pkg in PACKAGES for f in listed[pkg] if os.path.lexists(f) and not os.path.isdir(f)]
    assert not left, f"left after purge: {left}"
    assert not os.path.exists("/etc/revmon"), f"/etc/revmon left: {os.listdir('/etc/revmon')}"
    helper = glob.glob("/var/lib/systemd/deb-systemd-helper-*/**/revmon-agentx*", recursive=True)
    assert not helper, f"deb-systemd-helper state left: {helper}"
    for pkg in PACKAGES:
        st = sh("dpkg-query", "-W", "-f=${db:Status-Abbrev}", pkg, check=False).stdout.strip()
        assert st in ("", "un", "pn"), f"{pkg} is still {st}"
    assert not os.path.exists(ICINGA_STATE), f"{ICINGA_STATE} left after purge"
    # Debian keeps system users after a purge (files they own may remain)
    pwd.getpwnam(USER)


try:
    t0 = time.monotonic()
    DEBS, CHANGES = D.build(SRC, os.path.join(T, "out"))
    print(f"built {len(DEBS)} packages in {time.monotonic() - t0:.0f} s: {' '.join(sorted(DEBS))}")
    for t in (t_lintian_pedantic_has_no_error_or_warning, t_one_package_per_host, t_each_file_in_its_package,
              t_binaries_stripped_debug_info_in_dbgsym, t_binaries_hardened,
              t_library_symbols_shlibs_and_ldconfig_trigger, t_subagent_maintainer_scripts):
        TALLY.run(t)
    listed = install_all()
    print("installed " + " ".join(PACKAGES))
    for t in (t_system_user, t_unit_verifies_runs_as_its_user_and_is_disabled,
              t_shipped_configurations_run_the_simulator_only, t_files_where_debian_looks, t_library_embeds,
              t_man_pages_render_cleanly, t_nagios_stock_config_with_snippet, t_nagios_stock_daemon_runs_the_check,
              t_icinga2_stock_config_with_snippet,
              t_collectd_stock_config_with_snippet, t_snmpd_stock_config_with_snippet_subagent_as_its_user,
              t_reinstall_keeps_operator_edits, t_remove_keeps_operator_files):
        TALLY.run(t)
    TALLY.run(t_purge_leaves_nothing, None, listed)
finally:
    # leave the machine as it was
    for f in placed:
        if os.path.exists(f):
            os.remove(f)
    dpkg("-P", *PACKAGES)
    if not user_existed:
        sh("deluser", "--system", "--quiet", USER, check=False)
        sh("delgroup", "--system", "--quiet", USER, check=False)
    shutil.rmtree(T, ignore_errors=True)
sys.exit(TALLY.summary())
