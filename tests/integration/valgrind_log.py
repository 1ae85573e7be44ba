"""Reading a valgrind log: its error and leak records, split into those
whose stack passes through revmon and the host daemon's own."""
import re

ERROR_KINDS = ("are definitely lost", "are indirectly lost", "Invalid read", "Invalid write",
               "Invalid free", "uninitialised", "Conditional jump", "Mismatched free",
               "overlap", "Syscall param")


def records(path):
    """(ours, theirs, text): the error/leak records of the log at path whose
    stack passes through revmon (a revmon file or an rm_ function), the
    others, and the whole log. The LEAK SUMMARY block is neither."""
    with open(path, errors="replace") as f:
        text = f.read()
    found, cur = [], []
    for line in text.splitlines():
        body = line.split(" ", 1)[1] if line.startswith("==") and " " in line else ""
        if not body.strip():
            if cur:
                found.append("\n".join(cur))
            cur = []
        else:
            cur.append(body)
    if cur:
        found.append("\n".join(cur))
    bad = [r for r in found if any(k in r for k in ERROR_KINDS)]
    ours = [r for r in bad if "revmon" in r or re.search(r"\brm_", r)]
    return ours, [r for r in bad if r not in ours], text
