"""Pass/fail bookkeeping of the integration scripts: every check prints one
"ok"/"FAIL" line at once (so a hung daemon still shows how far a run got),
and a script ends with "N passed, N failed (T s)" and its exit status."""
import time


class Tally:
    def __init__(self):
        self.passed = 0
        self.failures = []
        self.t0 = time.monotonic()

    def check(self, cond, what):
        """Record a condition as one check; returns it."""
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if cond:
            self.passed += 1
        else:
            self.failures.append(what)
        return cond

    def run(self, fn, name=None, *args):
        """Run fn(*args) as one check named name (default: fn's name); an
        exception, whatever it is, is its failure and the script goes on."""
        name = name or fn.__name__
        t0 = time.monotonic()
        try:
            fn(*args)
        except Exception as e:  # report and go on
            self.failures.append(name)
            print(f"FAIL {name}: {e}", flush=True)
            return False
        self.passed += 1
        print(f"ok   {name} ({time.monotonic() - t0:.1f} s)", flush=True)
        return True

    def summary(self):
        """Print the counts; the exit status (0 when nothing failed, else 1)."""
        print(f"{self.passed} passed, {len(self.failures)} failed "
              f"({time.monotonic() - self.t0:.1f} s)", flush=True)
        return 1 if self.failures else 0
