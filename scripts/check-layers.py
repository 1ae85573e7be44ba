#!/usr/bin/env python3
"""The core's folders lie along the data path, lowest first (README,
"Architecture"). A file includes, by bare name, only headers of its own
folder; another folder only through that folder's interface header
("folder/folder.h") or its tables ("folder/*.def"), and only a folder lower
than its own. Prints each include that breaks this and exits 1."""
import os
import re
import sys

ORDER = ["util", "metrics", "parse", "sim", "conf", "analyze", "ingest", "entra", "sources",
         "monitor"]
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plugin", "src")
PUBLIC = {"revmon.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def problems():
    found = []
    folders = sorted(d for d in os.listdir(SRC) if os.path.isdir(os.path.join(SRC, d)))
    for d in folders:
        if d not in ORDER:
            found.append("plugin/src/%s/: a folder the data path does not name (add it to "
                         "scripts/check-layers.py and the README)" % d)
    for f in sorted(os.listdir(SRC)):
        if os.path.isfile(os.path.join(SRC, f)):
            found.append("plugin/src/%s: every file of the core lives in a folder" % f)
    for d in folders:
        if d not in ORDER:
            continue
        for f in sorted(os.listdir(os.path.join(SRC, d))):
            path = os.path.join(SRC, d, f)
            with open(path, errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    why = judge(d, m.group(1))
                    if why:
                        found.append("plugin/src/%s/%s:%d: #include \"%s\": %s"
                                     % (d, f, n, m.group(1), why))
    return found


def judge(folder, target):
    if target in PUBLIC:
        return None
    if "/" not in target:
        if os.path.exists(os.path.join(SRC, folder, target)):
            return None
        return "not in %s/: name another folder by its interface, \"folder/folder.h\"" % folder
    other, name = target.split("/", 1)
    if other not in ORDER or not os.path.exists(os.path.join(SRC, target)):
        return "no such header of the core"
    if name != other + ".h" and not name.endswith(".def"):
        return "%s/ is included through its interface, \"%s/%s.h\"" % (other, other, other)
    if ORDER.index(other) >= ORDER.index(folder):
        return "points up the data path (%s/ lies above or beside %s/)" % (other, folder)
    return None


if __name__ == "__main__":
    bad = problems()
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)
