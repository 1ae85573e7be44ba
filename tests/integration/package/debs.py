"""The Debian packages as files: built with dpkg-buildpackage from a copy of
the source tree in a private directory, and read back (control fields,
contents, maintainer scripts, ELF properties) without installing them."""
import glob
import os
import re
import shutil
import subprocess

# What a copy of the source tree leaves out: build trees and their outputs.
SKIP = shutil.ignore_patterns("build*", ".git", "Testing", "node_modules", "obj-*", "__pycache__",
                              "*.o", "*.so", "debhelper-build-stamp", ".debhelper")


def sh(*cmd, check=True, **kw):
    """Run cmd (no terminal: dpkg cannot stop to ask a question)."""
    p = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


def build(src, top):
    """Copy src to top/revmon-VERSION and build every binary package there
    (no tests, two jobs). Returns {package: path of its .deb} and the
    .changes file; raises with the build log's tail on failure."""
    version = sh("dpkg-parsechangelog", "-l", os.path.join(src, "debian", "changelog"),
                 "-S", "Version").stdout.strip()
    tree = os.path.join(top, f"revmon-{version}")
    shutil.copytree(src, tree, ignore=SKIP, symlinks=True)
    # nocheck as an option (no tests run) and as a profile (no test-only
    # build dependencies needed)
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2", DEB_BUILD_PROFILES="nocheck",
               LC_ALL="C.UTF-8")
    log = os.path.join(top, "build.log")
    with open(log, "w") as f:
        p = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=tree, env=env,
                           stdout=f, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise AssertionError(f"dpkg-buildpackage: exit {p.returncode}\n" + open(log).read()[-4000:])
    debs = {}
    for path in glob.glob(os.path.join(top, "*.deb")):
        debs[field(path, "Package")] = path
    # A public function the symbols file does not list yet: said, not fatal
    # (its package gets the version it was built at).
    new_syms = re.findall(r"^\+ (revmon_\w+@Base) ", open(log).read(), re.M)
    if new_syms:
        print("  debian/librevmon0.symbols lacks " + " ".join(new_syms))
    changes = glob.glob(os.path.join(top, f"revmon_{version}_*.changes"))
    assert len(changes) == 1, changes
    return debs, changes[0]


def field(deb, name):
    return sh("dpkg-deb", "-f", deb, name).stdout.strip()


def contents(deb):
    """{path: (mode string, link target or '')} of a .deb's data, without
    the leading '.'; directories end in '/'."""
    out = {}
    for line in sh("dpkg-deb", "-c", deb).stdout.splitlines():
        parts = line.split(None, 5)
        name = parts[5]
        link = ""
        if " -> " in name:
            name, link = name.split(" -> ", 1)
        out[name[1:]] = (parts[0], link)
    return out


def files(deb):
    """The regular files and links of a .deb (no directories)."""
    return {p for p, (mode, _) in contents(deb).items() if not p.endswith("/")}


def control_file(deb, name, where):
    """The text of one control member (postinst, symbols, triggers...) or
    None; where is a scratch directory."""
    d = os.path.join(where, os.path.basename(deb) + ".control")
    if not os.path.isdir(d):
        sh("dpkg-deb", "-e", deb, d)
    path = os.path.join(d, name)
    return open(path).read() if os.path.exists(path) else None


def unpack(deb, where):
    d = os.path.join(where, os.path.basename(deb) + ".data")
    if not os.path.isdir(d):
        sh("dpkg-deb", "-x", deb, d)
    return d


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def sections(path):
    return set(re.findall(r"\]\s+(\.\S+)", sh("readelf", "-S", "-W", path).stdout))


def build_id(path):
    m = re.search(r"Build ID: ([0-9a-f]+)", sh("readelf", "-n", path).stdout)
    return m.group(1) if m else None


def hardening_facts(path):
    """What the ELF file says about its hardening: PIE, RELRO, BIND_NOW and
    the fortified (__*_chk) functions it calls."""
    hdr = sh("readelf", "-h", "-l", "-d", "-W", path).stdout
    dyn_syms = sh("readelf", "--dyn-syms", "-W", path).stdout
    return {
        "pie_or_dso": re.search(r"Type:\s+DYN", hdr) is not None,
        "relro": "GNU_RELRO" in hdr,
        "bindnow": re.search(r"\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW", hdr) is not None,
        "fortified": re.search(r"__\w+_chk\b", dyn_syms) is not None,
    }
