"""Parse Nagios performance data as the guidelines define it."""
import re

ITEM = re.compile(r"""\s*('(?:[^']|'')+'|[^'=\s]+)=(U|-?[0-9.]+)([a-zA-Z%]*)"""
                  r"""(?:;([^;\s]*))?(?:;([^;\s]*))?(?:;(-?[0-9.]*))?(?:;(-?[0-9.]*))?""")


def parse(text):
    """{label: (value or None, uom, warn, crit, min, max)}; raises on junk."""
    out, pos = {}, 0
    text = text.strip()
    while pos < len(text):
        m = ITEM.match(text, pos)
        if not m or (m.end() < len(text) and not text[m.end()].isspace()):
            raise ValueError(f"bad perfdata at {pos}: {text[pos:pos + 60]!r}")
        label = m.group(1)
        if label.startswith("'"):
            label = label[1:-1].replace("''", "'")
        value = None if m.group(2) == "U" else float(m.group(2))
        out[label] = (value, m.group(3), m.group(4) or "", m.group(5) or "", m.group(6) or "", m.group(7) or "")
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


UOM = {("counter", ""): "c", ("gauge", "s"): "s", ("gauge", "%"): "%"}


def expected_uom(kind, unit):
    return UOM.get((kind, unit), "c" if kind == "counter" else "")
