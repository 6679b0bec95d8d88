"""The admin HTTP server of a live renkeid against hostile clients, over raw sockets.

Embedded bus (no broker) unless a test says otherwise:
- every /api/v1 read needs the token; /healthz, /metrics, /readyz and / stay open;
- bytes that are not clean UTF-8 in the path or the operator header get 400 naming the
  field and byte offset (never the bytes), and an audit line that is valid JSON;
- a refused /ingest (wrong token) is audited; DLQ pages are bounded (limit=100000);
- idle connections and slow DLQ readers do not slow /healthz; connections beyond
  http.max_connections are closed at once; a request trickling in is cut off;
- renkeictl with a USER that is not UTF-8 does not abort, and its timeout fires against a
  hub that accepts and never answers.
With the real broker (RENKEI_TEST_BROKERS): while the broker is SIGSTOPped, a DLQ listing
(which needs Kafka) answers 503 within its deadline and /healthz, /metrics stay quick.
"""
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

import harness as h
from harness import Hub

RENKEICTL = os.environ.get("RENKEICTL", "renkeictl")
BUS_DEADLINE = 10  # kBusDeadline in src/daemon/hub.cpp
IO_TIMEOUT = 30    # AdminHttpOptions::io_timeout


def raw(port, data, timeout=15):
    """Sends `data` and returns all the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return out
            if not chunk:
                return out
            out += chunk


def status_of(answer):
    m = re.match(rb"HTTP/1\.1 (\d{3})", answer)
    return int(m.group(1)) if m else None


def body_of(answer):
    return answer.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in answer else b""


def get(port, path, token=None, extra=b""):
    auth = f"Authorization: Bearer {token}\r\n".encode() if token else b""
    return raw(port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth + extra + b"\r\n")


def timed_get(port, path):
    t0 = time.monotonic()
    answer = get(port, path)
    return status_of(answer), time.monotonic() - t0


def audit_lines(hub):
    """Every audit line; each must be valid UTF-8 and JSON."""
    if not hub.audit_log.exists():
        return []
    return [json.loads(line) for line in hub.audit_log.read_bytes().decode("utf-8").splitlines() if line]


def wait_audit(hub, pred, what):
    return h.wait_for(lambda: next((e for e in audit_lines(hub) if pred(e)), None), 10, what,
                      interval=0.1, on_timeout=hub.log_tail)


class HostileHttp(h.HubTestCase):

    def start_hub(self, name, max_connections=None, brokers=""):
        hub = Hub(self, brokers, name)
        if max_connections:
            text = hub.hub_yaml.read_text(encoding="utf-8")
            text, n = re.subn(r"(?m)^(\s+max_connections:)\s*\d+", rf"\1 {max_connections}", text)
            self.assertEqual(n, 1)
            hub.hub_yaml.write_text(text, encoding="utf-8")
        hub.start()
        return hub, hub._find_port(), hub.api_token()

    def test_a_token_utf8_audit_and_paging(self):
        hub, port, token = self.start_hub("hostile-a")
        # API reads need the token; the open endpoints do not.
        for path in (b"/api/v1/interfaces", b"/api/v1/dlq/9", b"/api/v1/interfaces/9/runs"):
            self.assertEqual(status_of(get(port, path)), 401, path)
            self.assertEqual(status_of(get(port, path, "wrong-token-0123456789")), 401, path)
        self.assertEqual(status_of(get(port, b"/api/v1/interfaces", token)), 200)
        for path in (b"/healthz", b"/metrics", b"/readyz", b"/"):
            self.assertEqual(status_of(get(port, path)), 200, path)

        # DLQ pages are bounded whatever the client asks for.
        answer = get(port, b"/api/v1/dlq/9?limit=100000", token)
        self.assertEqual(status_of(answer), 200, answer)
        page = json.loads(body_of(answer))
        self.assertEqual(page["limit"], 1000)
        self.assertLessEqual(len(page["entries"]), 1000)
        self.assertIn("next", page)
        self.assertEqual(status_of(get(port, b"/api/v1/dlq/9?from=x", token)), 400)

        # Invalid UTF-8 in the path: 400 naming the offset, never the bytes; audited.
        answer = get(port, b"/api/v1/dlq/9\xff\xfe", token)
        self.assertEqual(status_of(answer), 400, answer)
        self.assertIn(b"path is not valid UTF-8 at byte 13", answer)
        self.assertNotIn(b"\xff", answer)
        entry = wait_audit(hub, lambda e: e.get("status") == 400 and "path" in e.get("reason", ""),
                           "the refusal of the bad path in the audit log")
        self.assertEqual(entry["action"], "refused")
        # The token was good: the refused is named by it (the hub token here), not by a claim.
        self.assertEqual(entry["operator"], "hub-token")
        self.assertEqual(entry["via"], "hub-token")

        # Invalid UTF-8 in the operator header of a write: 400, audited as "unknown".
        answer = raw(port, b"POST /api/v1/dlq/9/replay HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                           b"Authorization: Bearer " + token.encode() + b"\r\n"
                           b"X-Renkei-Operator: ab\xc3\x28\r\nContent-Length: 0\r\n\r\n")
        self.assertEqual(status_of(answer), 400, answer)
        self.assertIn(b"header x-renkei-operator is not valid UTF-8 at byte 2", answer)
        wait_audit(hub, lambda e: e.get("method") == "POST" and e.get("status") == 400
                   and "x-renkei-operator" in e.get("reason", "") and e.get("interface") == "009",
                   "the refused replay in the audit log")

        # A refused /ingest (wrong token) is audited with its system.
        answer = raw(port, b"POST /ingest/seal-cert/028 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                           b"Authorization: Bearer wrong-token-0123456789\r\nX-Renkei-Operator: mallory\r\n"
                           b"Content-Length: 3\r\n\r\nabc")
        self.assertEqual(status_of(answer), 401, answer)
        # The refused is nobody known, and the name they claim is not written down: anyone
        # could put text of their choosing there.
        entry = wait_audit(hub, lambda e: e.get("system") == "seal-cert" and e.get("status") == 401
                           and e.get("operator") == "unknown", "the refused ingest in the audit log")
        self.assertNotIn("claimed_operator", entry)
        self.assertNotIn("mallory", json.dumps(entry))

        # renkeictl with a USER that is not UTF-8: no abort, the listing works.
        env = {k.encode(): v.encode() for k, v in os.environ.items()
               if k not in ("USER", "LOGNAME", "SUDO_USER")}
        env[b"USER"] = b"op\xff\xfe"
        api = f"http://127.0.0.1:{port}"
        r = subprocess.run([RENKEICTL, "--config", str(hub.config_dir), "dlq", "list", "9", "--api", api],
                           env=env, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("entries", json.loads(r.stdout))
        r = subprocess.run([RENKEICTL, "--config", str(hub.config_dir), "ack", "17", "017-20000101", "--api", api],
                           env=env, capture_output=True, timeout=60)
        self.assertGreaterEqual(r.returncode, 0, r.stderr)  # an error exit is fine, a signal is not
        self.assertNotIn(b"terminate called", r.stderr)
        # Every audit line is JSON (audit_lines raises otherwise) and holds no raw bytes.
        self.assertNotIn(b"\xff", hub.audit_log.read_bytes())
        audit_lines(hub)
        hub.stop()

    def test_b_connections_cap_slow_readers_slowloris(self):
        hub, port, token = self.start_hub("hostile-b", max_connections=30)
        held = []
        try:
            # 10 idle connections and 15 DLQ readers that never read their answer.
            for _ in range(10):
                held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            for _ in range(15):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
                s.sendall(b"GET /api/v1/dlq/9?limit=1000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                          + token.encode() + b"\r\n\r\n")
                held.append(s)
            for _ in range(5):
                status, took = timed_get(port, b"/healthz")
                self.assertEqual(status, 200)
                self.assertLess(took, 1.0, "/healthz slowed down by idle and slow clients")
            # Beyond the cap: closed at once, without an answer.
            extra = []
            for _ in range(20):
                extra.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            closed = 0
            for s in extra:
                s.settimeout(2)
                try:
                    if s.recv(10) == b"":
                        closed += 1
                except (socket.timeout, ConnectionResetError):
                    pass
                s.close()
            self.assertGreaterEqual(closed, 15, "connections beyond http.max_connections stayed open")
        finally:
            for s in held:
                s.close()
        # Served again once the clients have gone; the refusals were counted.
        h.wait_for(lambda: timed_get(port, b"/healthz")[0] == 200, 10, "/healthz after the flood")
        metrics = get(port, b"/metrics").decode()
        m = re.search(r"(?m)^renkei_http_connections_refused_total (\d+)", metrics)
        self.assertTrue(m and int(m.group(1)) >= 15, metrics[-2000:])

        # Slowloris: one byte per second is cut off by the request deadline.
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        t0 = time.monotonic()
        request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 200 + b"\r\n\r\n"
        cut = False
        try:
            for b in request:
                s.sendall(bytes([b]))
                time.sleep(1)
                if time.monotonic() - t0 > IO_TIMEOUT + 10:
                    break
        except (BrokenPipeError, ConnectionResetError):
            cut = True
        if not cut:
            s.settimeout(1)
            try:
                cut = s.recv(100) == b""
            except (socket.timeout, ConnectionResetError):
                cut = False
        s.close()
        self.assertTrue(cut, "a request trickling in byte by byte was not cut off")
        self.assertLess(time.monotonic() - t0, IO_TIMEOUT + 10)
        hub.stop()

    def test_c_renkeictl_timeout_fires(self):
        # A "hub" that accepts and never says a word.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        token_file = Path(self.id().replace(".", "_") + ".token")
        tmp = Path(os.environ.get("TMPDIR", "/tmp")) / token_file
        tmp.write_text("0123456789abcdef0123\n")
        try:
            t0 = time.monotonic()
            r = subprocess.run([RENKEICTL, "dlq", "list", "9", "--api", f"http://127.0.0.1:{port}",
                                "--token-file", str(tmp), "--timeout", "2"], capture_output=True, text=True,
                               timeout=30)
            took = time.monotonic() - t0
        finally:
            listener.close()
            tmp.unlink()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("timeout", r.stderr)
        self.assertLess(took, 6, "renkeictl --timeout 2 did not give up in time")

    def test_d_bus_handlers_answer_503_while_the_broker_is_stopped(self):
        brokers = h.need_brokers(self)
        hub, port, token = self.start_hub("hostile-d", brokers=brokers)
        m = re.match(r"^[^,]*:(\d+)", brokers)
        kafka_dir = Path(os.environ.get("RENKEI_KAFKA_DIR", f"/tmp/renkei-kafka-{m.group(1)}"))
        pid = int((kafka_dir / "kafka.pid").read_text().split()[0])
        # A broker just started may not lead every partition yet: wait for a first page.
        h.wait_for(lambda: status_of(get(port, b"/api/v1/dlq/9", token)) == 200, 90, "a DLQ page from the broker",
                   interval=1, on_timeout=hub.log_tail)
        results = {}

        def slow_list():
            t0 = time.monotonic()
            answer = get(port, b"/api/v1/dlq/9?partition=0&from=0", token)
            results["dlq"] = (status_of(answer), time.monotonic() - t0, body_of(answer))

        os.kill(pid, signal.SIGSTOP)
        try:
            readers = [threading.Thread(target=slow_list) for _ in range(1)]
            for t in readers:
                t.start()
            worst = 0.0
            while any(t.is_alive() for t in readers):
                for path in (b"/healthz", b"/metrics"):
                    status, took = timed_get(port, path)
                    self.assertEqual(status, 200, path)
                    worst = max(worst, took)
                time.sleep(0.2)
            for t in readers:
                t.join()
            status, took, body = results["dlq"]
            self.assertEqual(status, 503, body)
            self.assertIn("error", json.loads(body))
            self.assertLess(took, BUS_DEADLINE + 3)
            self.assertLess(worst, 1.0, "/healthz or /metrics waited for the stopped broker")
        finally:
            os.kill(pid, signal.SIGCONT)
        hub.stop()

    def test_e_a_minute_without_the_broker_keeps_health_metrics_watchdog_and_cli_answering(self):
        """SIGSTOP (not a clean stop: connections stay open, nothing answers) for 60 s."""
        brokers = h.need_brokers(self)
        notify_dir = Path(tempfile.mkdtemp(prefix="renkei-notify-"))
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", str(notify_dir)]))
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(notify_dir / "notify.sock"))
        sock.settimeout(0.2)
        self.addCleanup(sock.close)
        pings, stop_reading = [], threading.Event()

        def read_notify():
            while not stop_reading.is_set():
                try:
                    data = sock.recv(4096)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if b"WATCHDOG=1" in data.split(b"\n"):
                    pings.append(time.monotonic())

        reader = threading.Thread(target=read_notify, daemon=True)
        reader.start()
        self.addCleanup(stop_reading.set)
        watchdog_usec = 2_000_000
        hub = Hub(self, brokers, "hostile-e")
        env = dict(os.environ, NOTIFY_SOCKET=str(notify_dir / "notify.sock"), WATCHDOG_USEC=str(watchdog_usec))
        env.pop("WATCHDOG_PID", None)
        hub.start(env=env)
        port, token = hub._find_port(), hub.api_token()
        m = re.match(r"^[^,]*:(\d+)", brokers)
        kafka_dir = Path(os.environ.get("RENKEI_KAFKA_DIR", f"/tmp/renkei-kafka-{m.group(1)}"))
        pid = int((kafka_dir / "kafka.pid").read_text().split()[0])
        h.wait_for(lambda: status_of(get(port, b"/api/v1/dlq/9", token)) == 200, 90, "a DLQ page from the broker",
                   interval=1, on_timeout=hub.log_tail)
        token_file = hub.state / "api-token"

        os.kill(pid, signal.SIGSTOP)
        try:
            t_stop = time.monotonic()
            worst, cli = 0.0, []
            while time.monotonic() - t_stop < 60:
                for path in (b"/healthz", b"/metrics"):
                    status, took = timed_get(port, path)
                    self.assertEqual(status, 200, path)
                    worst = max(worst, took)
                if len(cli) < 2 and time.monotonic() - t_stop > 20 * len(cli) + 5:
                    t0 = time.monotonic()
                    r = subprocess.run([RENKEICTL, "run", "9", "--no-wait", "--api", f"http://127.0.0.1:{port}",
                                        "--token-file", str(token_file), "--timeout", "30"],
                                       capture_output=True, text=True, timeout=60)
                    cli.append((r.returncode, time.monotonic() - t0, r.stderr))
                time.sleep(0.5)
            t_end = time.monotonic()
        finally:
            os.kill(pid, signal.SIGCONT)
        self.assertLess(worst, 1.0, "/healthz or /metrics waited for the stopped broker")
        self.assertEqual(len(cli), 2)
        for code, took, err in cli:
            self.assertNotEqual(code, 0, "renkeictl run succeeded against a stopped broker?")
            self.assertLess(took, BUS_DEADLINE + 5, f"renkeictl run took {took:.1f} s: {err}")
        during = [t for t in pings if t_stop <= t <= t_end]
        gaps = [b - a for a, b in zip([t_stop] + during, during + [t_end])]
        self.assertGreater(len(during), 20, "WATCHDOG=1 stopped while the broker was stopped")
        self.assertLess(max(gaps), watchdog_usec / 1e6, "a watchdog gap as long as WATCHDOG_USEC")
        # The hub comes back by itself: a file on route 9 is delivered once the broker runs.
        self.assertTrue(hub.alive())
        data = h.make_file(10, "after-sigstop")
        hub.drop("after.csv", data)
        delivered = hub.wait_delivered("after.csv", 120)
        self.assertSameFile(delivered[0], data)
        hub.stop()


if __name__ == "__main__":
    unittest.main()
