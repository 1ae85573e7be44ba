#!/usr/bin/env python3
"""The straightforward alternative revmon is measured against: read an export
record by record and compute the same counts revmon reports (sign-ins,
interactive, failures outside the benign class, revoked-grant presentations).
Prints them as one JSON object.

    count.py [--shape pt1h|la|csv] FILE

pt1h (the default): one Azure Monitor record or Graph object per line, with
json.loads; la: Log Analytics rows, one per line (PascalCase columns, the
table in Type); csv: the Log Analytics portal's CSV export, with the csv
module."""
import csv
import json
import sys

BENIGN = {50140, 50058, 50097}
REVOKED = {50173, 50133, 50132}
SIGNIN_TABLES = ("SigninLogs", "AADNonInteractiveUserSignInLogs")


def lines(path):
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def pt1h(path):
    """(is a sign-in, interactive, code) of each record."""
    for r in lines(path):
        p = r.get("properties", r)
        signin = r.get("category", "").endswith("SignInLogs") or "createdDateTime" in p
        yield signin, p.get("isInteractive") is True, (p.get("status") or {}).get("errorCode", 0)


def la(path):
    for r in lines(path):
        yield (r.get("Type") in SIGNIN_TABLES, r.get("IsInteractive") is True,
               int(r.get("ResultType") or 0))


def portal_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            yield (r.get("Type") in SIGNIN_TABLES, r.get("IsInteractive", "").lower() == "true",
                   int(r.get("ResultType") or 0))


def main():
    args = sys.argv[1:]
    shape = "pt1h"
    if len(args) == 3 and args[0] == "--shape":
        shape, args = args[1], args[2:]
    read = {"pt1h": pt1h, "la": la, "csv": portal_csv}[shape]
    c = {"records": 0, "signins": 0, "interactive": 0, "failures": 0, "revoked": 0}
    for signin, interactive, code in read(args[0]):
        c["records"] += 1
        if not signin:
            continue
        c["signins"] += 1
        c["interactive"] += interactive
        if code and code not in BENIGN:
            c["failures"] += 1
        if code in REVOKED:
            c["revoked"] += 1
    print(json.dumps(c, sort_keys=True))


main()
