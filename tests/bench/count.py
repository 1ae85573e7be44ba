#!/usr/bin/env python3
"""The straightforward alternative revmon is measured against: read an export
line by line with json.loads and compute the same counts revmon reports
(sign-ins, interactive, failures outside the benign class, revoked-grant
presentations). Prints them as one JSON object."""
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
        p = r.get("properties", r)
        c["records"] += 1
        if not (r.get("category", "").endswith("SignInLogs") or "createdDateTime" in p):
            continue
        c["signins"] += 1
        if p.get("isInteractive"):
            c["interactive"] += 1
        code = (p.get("status") or {}).get("errorCode", 0)
        if code and code not in BENIGN:
            c["failures"] += 1
        if code in REVOKED:
            c["revoked"] += 1
print(json.dumps(c, sort_keys=True))
