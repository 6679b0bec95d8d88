"""Delivery lanes: one target that accepts connections and never answers slows only its
own routes (issue 14, real broker).

Route 28 (印鑑証明 seal-cert → コンビニ交付 convenience-cert) delivers over http to a
"black hole": a socket that accepts and reads, and never answers. The http sink waits
its timeout_ms (10 s here) on every attempt. Meanwhile route 9 (住民記録 → 国保, file
spools) must deliver each file as quickly as with every target healthy: before lanes, one
router thread did all the I/O and each file waited for the hung POST (up to 10 s).

A second test stalls the lane for a while (RENKEI_STALL_SECONDS, default 60) under a
backlog of 40 MB put straight on the route topic: renkeid's memory stays flat (the lane
is bounded in bytes, its partitions are paused, the backlog waits in Kafka), and once the
target answers every record arrives, none lost.

Run by ctest as `python3 -m unittest -v test_delivery_lanes` from tests/integration with
RENKEID, RENKEICTL, RENKEI_SOURCE_DIR and RENKEI_TEST_BROKERS in the environment.
"""

import os
import re
import socket
import subprocess
import tempfile
import threading
import time

import harness as h
import kafkawire
from test_http_route import HttpHub, TARGET_PATH, event, IFACE as HTTP_IFACE, TOPIC as HTTP_TOPIC
from http_receiver import Receiver

STALL_SECONDS = float(os.environ.get("RENKEI_STALL_SECONDS", "60"))
TIMEOUT_MS = 10_000


class BlackHole:
    """Accepts connections on a port and reads whatever comes; never answers."""

    def __init__(self, port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.conns = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.conns.append(c)
            threading.Thread(target=self._drain, args=(c,), daemon=True).start()

    @staticmethod
    def _drain(c):
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass

    def stop(self):
        self.stopped = True
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass
        # A thread blocked in accept() keeps a closed socket listening; shutdown wakes it.
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


TARGET_SYSTEM = "convenience-cert"
LANE_BYTES = 4096 * 1024  # bus.memory.lane_queue_kib's default


def vm(pid, field):
    """VmHWM / VmRSS of a process, in kB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


class LaneHub(HttpHub):
    """HttpHub with a long http timeout: a black-holed POST then hangs for 10 s."""

    def __init__(self, testcase, brokers, name, port):
        class At:
            pass
        at = At()
        at.port = port
        super().__init__(testcase, brokers, name, at)
        systems = self.config_dir / "systems.yaml"
        text, n = re.subn(r"timeout_ms: 2000", f"timeout_ms: {TIMEOUT_MS}", systems.read_text(encoding="utf-8"))
        assert n >= 1
        systems.write_text(text, encoding="utf-8")


class DeliveryLanes(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)

        h.wait_route_topics_answer(self.brokers)
        # A port for the http target: first a black hole on it, later a receiver.
        self.hole = BlackHole()
        self.addCleanup(self.hole.stop)

    def start_hub(self, label):
        hub = LaneHub(self, self.brokers, label, self.hole.port)
        hub.start()
        hub.wait_assigned()
        return hub

    def file_latencies(self, hub, n, tag):
        """Seconds from drop to delivery of n files on route 9, one after the other."""
        out = []
        for i in range(n):
            name = f"JUKI_{tag}_{i:02d}.csv"
            data = h.make_file(20, f"{tag}{i}")
            t = time.monotonic()
            hub.drop(name, data)
            hub.wait_delivered(name, 60)
            out.append(time.monotonic() - t)
        return out

    def recover(self):
        """Closes the black hole and starts a receiver on its port."""
        port = self.hole.port
        self.hole.stop()
        receiver = Receiver(port=port).start()
        self.addCleanup(receiver.stop)
        return receiver

    def test_a_black_holed_target_does_not_delay_other_routes(self):
        hub = self.start_hub("lanes-hole")
        healthy = self.file_latencies(hub, 3, h.unique("h"))

        tag = h.unique("b")
        sent = {}
        for i in range(1, 21):
            status, answer = hub.ingest(event(i, tag))
            self.assertEqual(status, 202, answer)
            sent[f"renkei-{HTTP_IFACE}-{answer['trace_id']}"] = event(i, tag)
        h.wait_for(lambda: self.hole.accepted >= 1, 30, "the http sink to reach the black hole",
                   on_timeout=hub.log_tail)
        held = self.file_latencies(hub, 6, h.unique("f"))
        print(f"\n[lanes] file route, target healthy: {['%.2f' % s for s in healthy]} s; "
              f"beside a black-holed target: {['%.2f' % s for s in held]} s "
              f"(http timeout {TIMEOUT_MS / 1000:.0f} s, {self.hole.accepted} connections held)")
        # The hung POST is not in the file route's way: each file as quick as before
        # (a generous margin for a loaded CI machine, far below the 10 s timeout).
        limit = max(3.0, 2 * max(healthy) + 1.0)
        self.assertLess(max(held), limit, f"a file waited behind the black-holed target: {held}")
        self.assertIn(hub.metric("renkei_records_delivered_total", interface=HTTP_IFACE, system="convenience-cert"),
                      (None, 0))

        receiver = self.recover()
        h.wait_for(lambda: set(sent) <= set(receiver.by_key(TARGET_PATH)), 90, "every event after recovery",
                   on_timeout=lambda: f"have {len(receiver.by_key(TARGET_PATH))}\n{hub.log_tail()}")
        got = receiver.by_key(TARGET_PATH)
        self.assertEqual(set(got), set(sent), "an event arrived that was not sent")
        for key, body in sent.items():
            self.assertTrue(all(b == body for b in got[key]), f"{key}: other bytes under the same key")
        hub.wait_caught_up(30, route=28)
        hub.stop()

    def test_a_lane_stalled_for_long_keeps_memory_flat_and_loses_nothing(self):
        hub = self.start_hub("lanes-stall")
        pid = hub.proc.pid
        start_offsets = kafkawire.Admin(self.brokers).end_offsets(re.escape(HTTP_TOPIC))
        # 10 000 records of 4 000 bytes (40 MB) straight onto the route topic.
        n, width = 10_000, 4_000
        with tempfile.NamedTemporaryFile("wb", delete=False) as f:
            for i in range(n):
                f.write(f"{i:06d},".encode() + b"x" * (width - 7) + b"\n")
            path = f.name
        self.addCleanup(os.unlink, path)
        hwm_before = vm(pid, "VmHWM")
        r = subprocess.run(["kcat", "-b", self.brokers, "-P", "-t", HTTP_TOPIC, "-l", "-X", "acks=all",
                            "-X", "log_level=3", path], capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        h.wait_for(lambda: self.hole.accepted >= 1, 30, "the http sink to reach the black hole",
                   on_timeout=hub.log_tail)

        samples = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < STALL_SECONDS:
            samples.append((round(time.monotonic() - t0), vm(pid, "VmRSS"), vm(pid, "VmHWM")))
            time.sleep(5)
        # The stall shows on /metrics: the lane at its bound, its partitions paused.
        m = hub.metrics()
        queued = h.metric(m, "renkei_lane_queued_bytes", system=TARGET_SYSTEM)
        paused = h.metric(m, "renkei_lane_paused_partitions", system=TARGET_SYSTEM)
        self.assertIsNotNone(queued, "no renkei_lane_queued_bytes for the stalled lane")
        self.assertGreaterEqual(queued, LANE_BYTES, "the stalled lane is not shown at its bound")
        self.assertLess(queued, 2 * LANE_BYTES, "the lane holds more than its bound")
        self.assertGreaterEqual(paused or 0, 1, "no partition shown paused behind the full lane")
        # Other routes still deliver while the lane is stalled.
        self.file_latencies(hub, 1, h.unique("s"))
        hwm = vm(pid, "VmHWM")
        print(f"\n[lanes] stalled {STALL_SECONDS:.0f} s under a {n * width / 1e6:.0f} MB backlog: "
              f"VmHWM {hwm_before} kB before, {hwm} kB after (+{hwm - hwm_before} kB), "
              f"VmRSS samples {[(t, rss) for t, rss, _ in samples]}, load {os.getloadavg()[0]:.2f}")
        self.assertLess(hwm - hwm_before, 32 * 1024, "memory grew with the backlog")
        # Flat: the second half of the stall holds no more than the first.
        # (The first samples may still see the lane fill up to its bound.)
        first, second = samples[:len(samples) // 2], samples[len(samples) // 2:]
        self.assertLess(max(r for _, r, _ in second) - max(r for _, r, _ in first), 8 * 1024,
                        f"VmRSS crept up: {samples}")

        receiver = self.recover()
        want = {(p, o) for (t, p), end in kafkawire.Admin(self.brokers).end_offsets(re.escape(HTTP_TOPIC)).items()
                for o in range(start_offsets.get((t, p), 0), end)}
        self.assertEqual(len(want), n)
        keys = {f"renkei-{HTTP_IFACE}-p{p}-o{o}" for p, o in want}
        h.wait_for(lambda: keys <= set(receiver.by_key(TARGET_PATH)), 300, f"{n} records after recovery",
                   interval=1, on_timeout=lambda: f"have {len(receiver.by_key(TARGET_PATH))}\n{hub.log_tail()}")
        got = receiver.by_key(TARGET_PATH)
        self.assertEqual(set(got), keys, "a record arrived that was not on the topic")
        hub.wait_caught_up(60, route=28)
        h.wait_for(lambda: (hub.metric("renkei_lane_queued_bytes", system=TARGET_SYSTEM),
                            hub.metric("renkei_lane_paused_partitions", system=TARGET_SYSTEM)) == (0, 0),
                   10, "the lane's gauges back at 0 once it drained")
        hub.stop()


if __name__ == "__main__":
    import unittest
    unittest.main()
