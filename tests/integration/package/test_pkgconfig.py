#!/usr/bin/env python3
"""The embedding path: the example in revmon.h, cut out of the header as it
stands, builds against an installed tree through pkg-config, linked with the
shared library (pkg-config --cflags --libs revmon) and with the static one
(librevmon.a and what the .pc's Libs.private and Requires.private name), and
both programs run on the simulator.

usage: test_pkgconfig.py SOURCE_DIR BUILD_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from tally import Tally  # noqa: E402

SRC, BUILD = sys.argv[1], sys.argv[2]
TALLY = Tally()
check = TALLY.check
if not shutil.which("pkg-config") or not shutil.which("cc"):
    print("skip: pkg-config or cc missing")
    sys.exit(77)


def example():
    """The program between example:begin and example:end, comment marks off."""
    text = open(os.path.join(SRC, "plugin", "include", "revmon.h")).read()
    body = re.search(r"example:begin\n(.*?)\n \* example:end", text, re.S).group(1)
    return "\n".join(re.sub(r"^ \*(    |$)", "", line) for line in body.splitlines()) + "\n"


def pkg(env, *args):
    return subprocess.run(["pkg-config", *args, "revmon"], env=env, capture_output=True,
                          text=True, check=True).stdout.split()


tmp = tempfile.mkdtemp(prefix="revmon-pc-")
prefix = os.path.join(tmp, "prefix")
p = subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], capture_output=True, text=True)
check(p.returncode == 0, "cmake --install into a scratch prefix (%s)" % p.stderr.strip()[-200:])
pcs = [os.path.join(d, f) for d, _, fs in os.walk(prefix) for f in fs if f == "revmon.pc"]
check(len(pcs) == 1, "one revmon.pc installed (%s)" % pcs)
# the installed file names the configured prefix: a copy names the scratch one
pcdir = os.path.join(tmp, "pkgconfig")
os.makedirs(pcdir)
with open(pcs[0]) as f:
    pc = re.sub(r"^prefix=.*$", "prefix=" + prefix, f.read(), count=1, flags=re.M)
with open(os.path.join(pcdir, "revmon.pc"), "w") as f:
    f.write(pc)
env = dict(os.environ, PKG_CONFIG_PATH=pcdir)
libdir = pkg(env, "--variable=libdir")[0]
src = os.path.join(tmp, "example.c")
with open(src, "w") as f:
    f.write(example())
libs_static = pkg(env, "--static", "--libs")
check(not any(";" in x for x in libs_static), "pkg-config --static --libs is clean: %s" % " ".join(libs_static))
check(all(x in libs_static for x in ("-lrevmon", "-lm", "-lcurl", "-lcrypto", "-ljansson")),
      "pkg-config --static names every library the core needs")
# librevmon.a with its dependencies shared, the usual static embedding: what
# Libs.private and Requires.private declare, and nothing else
requires = " ".join(pkg(env, "--print-requires-private"))
deps = subprocess.run(["pkg-config", "--libs"] + requires.replace(",", " ").split(), env=env,
                      capture_output=True, text=True, check=True).stdout.split()
builds = {
    "shared": pkg(env, "--cflags", "--libs") + ["-Wl,-rpath," + libdir],
    "static": pkg(env, "--cflags") + ["-L" + libdir, "-Wl,-Bstatic", "-lrevmon", "-Wl,-Bdynamic", "-lm"]
              + deps,
}
for kind, flags in builds.items():
    exe = os.path.join(tmp, "example-" + kind)
    p = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", exe, src, *flags],
                       capture_output=True, text=True)
    check(p.returncode == 0, "the header's example compiles and links (%s): %s" % (kind, p.stderr.strip()[-400:]))
    if p.returncode:
        continue
    deps = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
    check(("librevmon.so" in deps) == (kind == "shared"), "%s: librevmon.so %s" %
          (kind, "linked" if kind == "shared" else "not needed"))
    r = subprocess.run([exe], capture_output=True, text=True, timeout=120)
    m = re.search(r"^revocations (\d+)$", r.stdout, re.M)
    check(r.returncode == 0 and m and int(m.group(1)) > 0,
          "%s: runs on the simulator and prints the metrics (%s)" % (kind, (r.stdout + r.stderr)[:120]))
shutil.rmtree(tmp, ignore_errors=True)
sys.exit(TALLY.summary())
