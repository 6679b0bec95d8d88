"""renkeid under systemd's notify protocol (issue 7), without systemd.

The test plays systemd's part: it binds the datagram socket NOTIFY_SOCKET names, sets
WATCHDOG_USEC, starts renkeid (embedded bus) and reads what it says. It must say READY=1
only once it is ready (/readyz answers 200 by then), WATCHDOG=1 repeatedly, and around a
SIGHUP first RELOADING=1 (with MONOTONIC_USEC) and then READY=1 — also when the new
configuration is refused, so `systemctl reload` never hangs — and STOPPING=1 on SIGTERM.
"""

import os
import signal
import socket
import tempfile
import time
import unittest
from pathlib import Path

import opsutil  # noqa: F401  (puts tests/integration on the path for harness)
import harness as h


class NotifySocket:
    def __init__(self, testcase):
        self.dir = tempfile.TemporaryDirectory(prefix="renkei-notify-")
        testcase.addCleanup(self.dir.cleanup)
        self.path = str(Path(self.dir.name) / "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        testcase.addCleanup(self.sock.close)
        self.messages = []  # (time, {key: value})

    def pump(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                return
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            self.messages.append((time.monotonic(), fields))

    def wait(self, key, value, timeout, after=0):
        """Index of the first message after index `after` with key=value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            for i in range(after, len(self.messages)):
                if self.messages[i][1].get(key) == value:
                    return i
        raise AssertionError(f"no {key}={value} within {timeout} s; got {[m for _, m in self.messages]}")


class SdNotify(unittest.TestCase):

    def test_ready_watchdog_reload_and_stop(self):
        notify = NotifySocket(self)
        hub = h.Hub(self, "", "notify")
        env = dict(os.environ, NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="600000")
        env.pop("WATCHDOG_PID", None)
        hub.start(wait_ready=False, env=env)

        ready = notify.wait("READY", "1", 60)
        # READY=1 is only sent once renkeid serves: /readyz must agree right away.
        hub._find_port()
        self.assertIsNotNone(hub.port, "READY=1 before the admin HTTP server was listening")
        self.assertEqual(hub.http_status("/readyz"), 200)
        self.assertNotIn("RELOADING", notify.messages[ready][1])

        # WatchdogSec=0.6 s: pings every 0.3 s from the event loop.
        first = notify.wait("WATCHDOG", "1", 5, after=ready)
        second = notify.wait("WATCHDOG", "1", 5, after=first + 1)
        gap = notify.messages[second][0] - notify.messages[first][0]
        self.assertLess(gap, 0.6, "watchdog pings must come faster than WATCHDOG_USEC")

        # A good reload: RELOADING=1 (with MONOTONIC_USEC), then READY=1.
        hub.signal(signal.SIGHUP)
        rel = notify.wait("RELOADING", "1", 30, after=second + 1)
        self.assertRegex(notify.messages[rel][1].get("MONOTONIC_USEC", ""), r"^\d+$")
        back = notify.wait("READY", "1", 60, after=rel + 1)
        self.assertIn("reloaded", notify.messages[back][1].get("STATUS", ""))

        # A refused reload ends with READY=1 too (systemctl reload must not hang), and says so.
        hub.hub_yaml.write_text(hub.hub_yaml.read_text(encoding="utf-8") + "\nnot_a_key: 1\n", encoding="utf-8")
        hub.signal(signal.SIGHUP)
        rel2 = notify.wait("RELOADING", "1", 30, after=back + 1)
        back2 = notify.wait("READY", "1", 60, after=rel2 + 1)
        self.assertIn("refused", notify.messages[back2][1].get("STATUS", ""))
        self.assertTrue(hub.alive())

        hub.signal(signal.SIGTERM)
        notify.wait("STOPPING", "1", 30, after=back2 + 1)
        hub.proc.wait(timeout=60)
        self.assertEqual(hub.proc.returncode, 0)


if __name__ == "__main__":
    unittest.main()
