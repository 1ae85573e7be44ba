#!/usr/bin/env python3
"""count.py for Log Analytics rows (SigninLogs, AADNonInteractiveUserSignInLogs,
AuditLogs, one JSON object per line): the same counts from the PascalCase
columns, with Status as an object or as JSON text."""
import json
import sys

BENIGN = {50140, 50058, 50097}
REVOKED = {50173, 50133, 50132}
c = {"records": 0, "signins": 0, "interactive": 0, "failures": 0, "revoked": 0}
with open(sys.argv[1], "rb") as f:
    for line in f:
        if not line.strip():
            continue
        r = json.loads(line)
        c["records"] += 1
        if r.get("Type") not in ("SigninLogs", "AADNonInteractiveUserSignInLogs"):
            continue
        c["signins"] += 1
        if r.get("IsInteractive") is True:
            c["interactive"] += 1
        code = int(r.get("ResultType") or 0)
        if code and code not in BENIGN:
            c["failures"] += 1
        if code in REVOKED:
            c["revoked"] += 1
print(json.dumps(c, sort_keys=True))
