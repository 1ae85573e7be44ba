"""Reading what `revmon report --json` prints, for the end-to-end tests: the
first monitor's document, a metric's value, the figures two runs must share,
the first source's error; and the simulator's Event Hubs bodies."""
import json
import subprocess
import time


def first_monitor(stdout):
    """The first monitor's document, or None when stdout holds none."""
    try:
        return json.loads(stdout)["monitors"][0]
    except (ValueError, KeyError, IndexError):
        return None


def metric(doc, name):
    return doc["metrics"][name]["value"] if doc else None


def counts(doc, names):
    """The metrics names and each family's stale presentations."""
    out = {k: metric(doc, k) for k in names}
    for f in (doc or {}).get("families", []):
        out["family " + f["label"]] = f["metrics"]["stale_presentations"]
    return out


def source_error(doc):
    return ((doc or {}).get("sources") or [{}])[0].get("error") or ""


def simulated_bodies(revmon, path, users):
    """Six simulated hours of Event Hubs bodies ending about now into path
    (one body a line); returns how many records they hold."""
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 6 * 3600 - 600))
    p = subprocess.run([revmon, "simulate", "--shape", "eventhub", "--out", path, "--set",
                        "sim_users=%d" % users, "--set", "sim_start=" + start],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    with open(path) as f:
        return sum(len(json.loads(line)["records"]) for line in f if line.strip())
