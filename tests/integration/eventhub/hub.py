"""mockhub (librdkafka's mock cluster on loopback, with a producer) as a
child process of the eventhub tests, driven one command a line."""
import subprocess


class MockHub:
    """mockhub as a child process, driven line by line."""

    def __init__(self, mockhub, *topics, brokers=1):
        self.p = subprocess.Popen([mockhub, "--brokers", str(brokers), *topics], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, bufsize=1)
        first = self.p.stdout.readline().split()
        assert first and first[0] == "bootstrap", first
        self.bootstrap = first[1]

    def do(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        answer = self.p.stdout.readline().strip()
        assert answer.startswith("ok"), "%s: %s" % (line, answer)
        return answer

    def stop(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.flush()
            self.p.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            self.p.kill()
