#!/usr/bin/env python3
"""count.py for the Log Analytics portal's CSV export, read with Python's csv
module (RFC 4180, as revmon reads it): the same counts from its columns."""
import csv
import json
import sys

BENIGN = {50140, 50058, 50097}
REVOKED = {50173, 50133, 50132}
c = {"records": 0, "signins": 0, "interactive": 0, "failures": 0, "revoked": 0}
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    for row in csv.DictReader(f):
        c["records"] += 1
        if row.get("Type") not in ("SigninLogs", "AADNonInteractiveUserSignInLogs"):
            continue
        c["signins"] += 1
        if row.get("IsInteractive", "").lower() == "true":
            c["interactive"] += 1
        code = int(row.get("ResultType") or 0)
        if code and code not in BENIGN:
            c["failures"] += 1
        if code in REVOKED:
            c["revoked"] += 1
print(json.dumps(c, sort_keys=True))
