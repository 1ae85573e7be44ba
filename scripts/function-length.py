#!/usr/bin/env python3
"""Fail when a function in the product's C is longer than LIMIT lines.

Functions in this codebase start with a declaration at column 0 and have
their braces at column 0, so the length is counted from the declaration's
first line to the closing '}' inclusive. Known debt is listed in the
allowlist (one path:function per line); an entry matches the same path, or
a file of the same name elsewhere (so that moving a file into a folder does
not break the check). Entries that no longer match a long function are
reported, so the list only shrinks.

usage: function-length.py ALLOWLIST FILE..."""
import os
import re
import sys

LIMIT = 100
SKIP = {"__attribute__", "format", "printf"}


def functions(path):
    """Yield (name, first line, length) for each function in path."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    start = None
    for i, line in enumerate(lines):
        if start is None and line.startswith("{"):
            j = i - 1
            while j > 0 and (lines[j] == "" or lines[j][0] in " \t"):
                j -= 1
            names = [n for n in re.findall(r"([A-Za-z_]\w*)\s*\(", " ".join(lines[j:i])) if n not in SKIP]
            start = (names[0] if names else "?", j)
        elif start is not None and line.startswith("}"):
            yield start[0], start[1] + 1, i - start[1] + 1
            start = None


def main():
    allow_path, files = sys.argv[1], sys.argv[2:]
    allow = set()
    with open(allow_path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                allow.add(line)
    used, status = set(), 0
    for path in files:
        for name, first, n in functions(path):
            if n <= LIMIT:
                continue
            hit = {e for e in allow if e == f"{path}:{name}" or
                   (e.rsplit(":", 1)[1] == name and os.path.basename(e.rsplit(":", 1)[0]) == os.path.basename(path))}
            if hit:
                used |= hit
                continue
            print(f"{path}:{first}: {name} is {n} lines (at most {LIMIT}): split it by what it does")
            status = 1
    for e in sorted(allow - used):
        print(f"{allow_path}: {e} is no longer over {LIMIT} lines (or gone): remove the entry")
    return status


if __name__ == "__main__":
    sys.exit(main())
