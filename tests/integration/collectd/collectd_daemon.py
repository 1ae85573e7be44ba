"""The real collectd daemon with revmon.so, for the collectd and hardening
tests: `collectd -f` in a temporary directory with the stock logfile (to a
file), csv and unixsock plugins and the given <Plugin revmon> blocks
(PluginDir switched mid-file, as collectd wants a regular file in its
PluginDir). Nothing runs at import."""
import glob
import os
import shutil
import signal
import subprocess
import time

HOST = "testhost"


def ident(block, ctype, name):
    """The collectd identifier of one revmon metric of a block."""
    return f"{HOST}/revmon-{block}/{ctype}-{name}"


class Daemon:
    """collectd -f with our configuration, logging to tmp/collectd.log.

    Failures raise self.error (AssertionError unless a caller's subclass
    says otherwise). preload: a library to LD_PRELOAD (the ASan runtime of
    the sanitizer build); wrapper: a command to run the daemon under
    (valgrind); env: extra environment; stock: more configuration of the
    stock plugins (e.g. write_log), placed before PluginDir switches."""
    error = AssertionError

    def __init__(self, tmp, collectd, collectdctl, plugin, blocks, wrapper=(), preload=None,
                 env=None, log_level="info", stock=""):
        self.tmp = tmp
        self.ctl_bin = collectdctl
        self.run_dir = os.path.join(tmp, "run")
        self.sock = os.path.join(self.run_dir, "collectd.sock")
        self.csv = os.path.join(self.run_dir, "csv")
        self.log_path = os.path.join(tmp, "collectd.log")
        plugdir = os.path.join(tmp, "plugins")
        os.makedirs(self.run_dir, exist_ok=True)
        os.makedirs(plugdir, exist_ok=True)
        shutil.copy(plugin, os.path.join(plugdir, "revmon.so"))
        self.conf = os.path.join(tmp, "collectd.conf")
        with open(self.conf, "w") as f:
            f.write(f"""Hostname    "{HOST}"
FQDNLookup  false
BaseDir     "{self.run_dir}"
PIDFile     "{self.run_dir}/collectd.pid"
TypesDB     "/usr/share/collectd/types.db"
Interval    1
PluginDir   "/usr/lib/collectd"
LoadPlugin  logfile
<Plugin logfile>
  LogLevel  "{log_level}"
  File      STDOUT
  Timestamp true
</Plugin>
LoadPlugin  csv
<Plugin csv>
  DataDir   "{self.csv}"
  StoreRates false
</Plugin>
LoadPlugin  unixsock
<Plugin unixsock>
  SocketFile  "{self.sock}"
  SocketPerms "0660"
  DeleteSocket true
</Plugin>
{stock}
PluginDir   "{plugdir}"
LoadPlugin  revmon
<Plugin revmon>
{blocks}
</Plugin>
""")
        e = dict(os.environ, **(env or {}))
        if preload:
            e["LD_PRELOAD"] = preload
            # collectd itself is not built for LeakSanitizer and keeps some
            # memory to the end; leaks are the valgrind test's job.
            e["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1"
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen([*wrapper, collectd, "-f", "-C", self.conf],
                                     stdout=self.logf, stderr=subprocess.STDOUT, cwd=tmp, env=e)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def alive(self):
        if self.proc.poll() is not None:
            raise self.error(f"collectd exited with {self.proc.returncode}:\n" + self.log()[-3000:])

    def ctl(self, *args):
        p = subprocess.run([self.ctl_bin, "-s", self.sock, *args], capture_output=True,
                           text=True, timeout=30)
        return p.returncode, p.stdout

    def listval(self):
        rc, out = self.ctl("listval")
        return set(out.split()) if rc == 0 else set()

    def getval(self, identifier):
        """The first value of identifier, None when collectd has none."""
        rc, out = self.ctl("getval", identifier)
        if rc != 0 or not out.strip():
            return None
        return float(out.strip().splitlines()[0].split("=", 1)[1])

    def metric(self, block, name, ctype="gauge"):
        return self.getval(ident(block, ctype, name))

    def csv_rows(self, block, ctype, name):
        """[(time, value)] written for one metric, oldest first."""
        # The date only: NAME-LABEL files of the per-family values start alike.
        pat = os.path.join(self.csv, HOST, f"revmon-{block}",
                           f"{ctype}-{glob.escape(name)}-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]")
        rows = []
        for path in sorted(glob.glob(pat)):
            with open(path) as f:
                for line in f.read().splitlines()[1:]:
                    t, v = line.split(",")[:2]
                    rows.append((float(t), float(v)))
        return rows

    def csv_values(self, block, ctype, name):
        """Every value written for one metric, oldest first."""
        return [v for _, v in self.csv_rows(block, ctype, name)]

    def wait(self, what, cond, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.alive()
            if cond():
                return
            time.sleep(0.2)
        raise self.error(f"timed out after {timeout} s waiting for {what}\n" + self.log()[-2000:])

    def wait_socket(self, timeout=30):
        self.wait("the unix socket", lambda: os.path.exists(self.sock), timeout)

    def stop(self, timeout=60):
        """SIGTERM; the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.logf.close()
                raise self.error(f"collectd still running {timeout} s after SIGTERM")
        self.logf.close()
        return self.proc.returncode
