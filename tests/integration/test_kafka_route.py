"""The `kafka` adapter end to end, driven from outside (ARCHITECTURE §2, §4, §5).

Route 28 (印鑑証明 seal-cert → コンビニ交付 convenience-cert, realtime, conversion none,
both CP932). The real broker of RENKEI_TEST_BROKERS also stands in as the peer cluster,
on peer topics of this test's own (renkei-it-peer-….{system}.{interface}, created here:
the broker does not create topics by itself). A test config dir makes one of the two
systems a `kafka` peer:

- seal-cert on kafka: what the peer publishes on its topic arrives once at the http
  target (scripts/http_receiver.py), keyed and headed as the contract says; a body that
  is not Windows-31J goes to renkei.if.028.dlq (illegal-sequence); the peer offsets are
  committed after that, so a restarted hub carries nothing twice.
- convenience-cert on kafka: an event POSTed to /ingest arrives on the peer topic with
  its headers (renkei-interface, renkei-source, renkei-trace-id, renkei-idempotency-key).
- convenience-cert on kafka behind a bootstrap address that refuses for a while: the
  router retries with back-off, and once the peer answers every event arrives, none lost.

Run by ctest as `python3 -m unittest -v test_kafka_route` from tests/integration with
RENKEID, RENKEICTL, RENKEI_SOURCE_DIR and RENKEI_TEST_BROKERS in the environment.
"""

import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import harness as h
import kafkawire
from harness import Hub

sys.path.insert(0, str(h.SRC / "scripts"))
from http_receiver import Receiver  # noqa: E402

ROUTE = 28
IFACE = h.iface(ROUTE)
SOURCE = "seal-cert"
TARGET = "convenience-cert"
TOPIC = f"renkei.if.{IFACE}"
API_CREATE_TOPICS = 19
ERR_TOPIC_ALREADY_EXISTS = 36


def event(i, tag):
    """One CP932 record of 印鑑 changes (fictional)."""
    return f"{i:06d},印鑑登録,山田 ﾀﾛｳ,髙橋,{tag}".encode("cp932")


def create_topics(brokers, names):
    """CreateTopics v0 (one partition each) on the bootstrap broker (a single-node test
    cluster: it is the controller)."""
    host, port = brokers.split(",")[0].rsplit(":", 1)
    w = kafkawire._Writer()
    w.array(names, lambda w2, n: w2.string(n).i32(1).i16(1).array([], None).array([], None))
    w.i32(30000)
    with kafkawire.Connection(host, port) as c:
        r = c.request(API_CREATE_TOPICS, 0, w.bytes())
        for _ in range(r.i32()):
            name, err = r.string(), r.i16()
            if err not in (kafkawire.ERR_NONE, ERR_TOPIC_ALREADY_EXISTS):
                raise AssertionError(f"CreateTopics {name}: error {err}")
    h.wait_for(lambda: all(kafkawire.Admin(brokers).end_offsets(re.escape(n)) for n in names), 30,
               "the peer topics to have leaders", interval=0.5)


def publish(brokers, topic, key, value, headers):
    """What the peer itself does: one message on its topic (kcat, acks=all)."""
    args = ["kcat", "-b", brokers, "-P", "-t", topic, "-k", key, "-X", "acks=all", "-X", "log_level=3"]
    for k, v in headers.items():
        args += ["-H", f"{k}={v}"]
    r = subprocess.run(args + ["-D", "\x1e"], input=value + b"\x1e", capture_output=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"kcat -P {topic} failed: {r.stderr.decode(errors='replace')}")


def read_all(brokers, topic):
    return h.read_topic(brokers, topic, {0: 0})


class Forwarder:
    """A TCP port that refuses until open() and then forwards to `target`: the peer
    cluster's bootstrap address, unreachable for a while."""

    def __init__(self, target):
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.server = None

    def open(self):
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        if self.server:
            self.server.close()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            host, port = self.target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


class KafkaHub(Hub):
    """A Hub whose `kafka_system` is a kafka peer on `peer_brokers`, the other system of
    route 28 on http (pointing at `receiver`), with quick back-off for the tests."""

    def __init__(self, testcase, brokers, name, kafka_system, peer_brokers, prefix, receiver):
        super().__init__(testcase, brokers, name)
        self.peer_group = h.unique("renkei-it-peer-group")
        systems = self.config_dir / "systems.yaml"
        text = systems.read_text(encoding="utf-8")
        text, n = re.subn(r"url: http://127\.0\.0\.1:9471/", f"url: http://127.0.0.1:{receiver.port}/", text)
        assert n >= 2, "systems.yaml: expected the http systems' placeholder URLs"
        text, n = re.subn(r"(?m)^(    adapter:.*\n      kind: http\n)",
                          r"\1      backoff_initial_ms: 200\n      backoff_max_ms: 1000\n      timeout_ms: 2000\n", text)
        assert n >= 3, n
        kafka = (f"    adapter:\n      kind: kafka\n      brokers: \"{peer_brokers}\"\n"
                 f"      topic: {prefix}.{{system}}.{{interface}}\n      group_id: {self.peer_group}\n"
                 f"      delivery_timeout_ms: 1500\n      backoff_initial_ms: 200\n      backoff_max_ms: 1000\n")
        text, n = re.subn(rf"(?m)^(  - id: {kafka_system}\n(?:    (?!adapter).*\n)*)    adapter:.*\n(?:      .*\n)*",
                          lambda m: m.group(1) + kafka, text)
        assert n == 1, n
        systems.write_text(text, encoding="utf-8")

    def token(self):
        return (self.state / "api-token").read_text().strip()

    def ingest(self, body, headers=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/ingest/{SOURCE}/{IFACE}", data=body,
                                     method="POST")
        req.add_header("Authorization", f"Bearer {self.token()}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")


class KafkaRoute(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)
        h.wait_route_topics_answer(self.brokers)
        self.receiver = Receiver().start()
        self.addCleanup(self.receiver.stop)
        self.prefix = h.unique("renkei-it-peer").replace("_", "-")

    def start_hub(self, label, kafka_system, peer_brokers=None):
        hub = KafkaHub(self, self.brokers, label, kafka_system, peer_brokers or self.brokers, self.prefix,
                       self.receiver)
        hub.start()
        hub.wait_assigned()
        return hub

    def test_validate_names_the_line_of_a_bad_kafka_option(self):
        hub = KafkaHub(self, self.brokers, "kafka-validate", TARGET, self.brokers, self.prefix, self.receiver)
        systems = hub.config_dir / "systems.yaml"
        good = subprocess.run([h.RENKEICTL, "validate", "--config", str(hub.config_dir)], capture_output=True,
                              text=True)
        self.assertEqual(good.returncode, 0, good.stdout + good.stderr)
        text = systems.read_text(encoding="utf-8")
        text, n = re.subn(r"(?m)^      kind: kafka\n", "      kind: kafka\n      sasl.password: s3cret\n"
                          "      security.protocol: carrier_pigeon\n", text)
        self.assertEqual(n, 1)
        systems.write_text(text, encoding="utf-8")
        bad = subprocess.run([h.RENKEICTL, "validate", "--config", str(hub.config_dir)], capture_output=True,
                             text=True)
        self.assertEqual(bad.returncode, 1)
        out = bad.stdout + bad.stderr
        lines = systems.read_text(encoding="utf-8").splitlines()
        at = lines.index("      sasl.password: s3cret") + 1
        self.assertRegex(out, rf"systems\.yaml:{at}: .*sasl\.password")
        self.assertRegex(out, rf"systems\.yaml:{at + 1}: .*security\.protocol.*must be one of")
        self.assertNotIn("s3cret", out, "the password echoed")
        # The schema lists the kind with its options.
        kinds = subprocess.run([h.RENKEICTL, "adapter-kinds", "--config", str(hub.config_dir)], capture_output=True,
                               text=True)
        self.assertEqual(kinds.returncode, 0, kinds.stderr)
        self.assertIn("kafka", kinds.stdout)
        self.assertIn("sasl.password_file", kinds.stdout)

    def test_peer_record_arrives_once_and_a_bad_one_goes_to_the_dlq(self):
        peer_topic = f"{self.prefix}.{SOURCE}.{IFACE}"
        create_topics(self.brokers, [peer_topic])
        hub = self.start_hub("kafka-in", SOURCE)
        start = kafkawire.Admin(self.brokers).end_offsets(re.escape(TOPIC))
        tag = h.unique("p")
        body = event(1, tag)
        publish(self.brokers, peer_topic, "000001", body, {"renkei-trace-id": f"peer-{tag}"})
        bad = b"000002,\x82\xa0\x82" + b"\xff\xff" + b",end"
        publish(self.brokers, peer_topic, "000002", bad, {})
        key = f"renkei-{IFACE}-peer-{tag}"
        target_path = f"/{TARGET}/{IFACE}"
        h.wait_for(lambda: key in self.receiver.by_key(target_path), 60, "the peer's record at the target",
                   on_timeout=hub.log_tail)
        dl = dict(name="renkei_records_dead_lettered_total", interface=IFACE, reason="illegal-sequence")
        h.wait_for(lambda: hub.metric(**dl) == 1, 60, "the bad record in the DLQ", on_timeout=hub.log_tail)
        time.sleep(2)  # anything more would come now
        posts = [p for p in self.receiver.snapshot() if p["path"] == target_path]
        self.assertEqual([(p["key"], p["body"]) for p in posts], [(key, body)], "not exactly once")

        # On the bus: a realtime event with the contract's headers, the peer's key kept.
        msgs = [m for m in h.read_topic(self.brokers, TOPIC, {p: o for (t, p), o in start.items()})
                if m.headers.get("renkei-trace-id") == f"peer-{tag}"]
        self.assertEqual(len(msgs), 1)
        m = msgs[0]
        self.assertEqual(m.value, body)
        self.assertEqual(m.headers["renkei-interface"], IFACE)
        self.assertEqual(m.headers["renkei-source"], SOURCE)
        self.assertEqual(m.headers["renkei-charset"], "ibm-943_P15A-2003")
        self.assertRegex(m.headers["renkei-ingested-at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertNotIn("renkei-batch-id", m.headers)
        keys = subprocess.run(["kcat", "-b", self.brokers, "-C", "-t", TOPIC, "-e", "-q", "-f", "%k\t%h\n"],
                              capture_output=True, text=True, timeout=60).stdout
        self.assertIn(f"000001\t", [line[:7] for line in keys.splitlines() if f"peer-{tag}" in line])

        # The dead letter names why and where it came from; the body is never logged.
        entries = [e for e in hub.dlq_entries(ROUTE) if e["origin"].startswith(peer_topic + ":")]
        self.assertEqual([e["reason"] for e in entries], ["illegal-sequence"])
        self.assertIn("byte 9", entries[0]["detail"])
        self.assertNotIn(tag, hub.log_bytes().decode("utf-8", "replace"), "record contents in the log")

        # Both peer records are done with: the peer offset is committed past them.
        def committed():
            return kafkawire.Admin(self.brokers).committed_offsets(hub.peer_group, [(peer_topic, 0)])[(peer_topic, 0)]
        h.wait_for(lambda: committed() == 2, 30, "the peer offset committed")
        self.assertEqual(hub.metric("renkei_records_received_total", interface=IFACE, system=SOURCE), 1)

        # A restarted hub carries nothing again; a new record still comes.
        hub.stop()
        hub.start()
        hub.wait_assigned()
        publish(self.brokers, peer_topic, "000003", event(3, tag), {})
        h.wait_for(lambda: len([p for p in self.receiver.snapshot() if p["path"] == target_path]) >= 2, 60,
                   "the third record", on_timeout=hub.log_tail)
        time.sleep(2)
        bodies = [p["body"] for p in self.receiver.snapshot() if p["path"] == target_path]
        self.assertEqual(bodies, [body, event(3, tag)])
        hub.stop()

    def test_event_to_a_kafka_target_arrives_on_the_peer_topic_with_its_headers(self):
        peer_topic = f"{self.prefix}.{TARGET}.{IFACE}"
        create_topics(self.brokers, [peer_topic])
        hub = self.start_hub("kafka-out", TARGET)
        tag = h.unique("o")
        body = event(1, tag)
        status, answer = hub.ingest(body, headers={"Idempotency-Key": f"client-{tag}"})
        self.assertEqual(status, 202, answer)
        msgs = h.wait_for(lambda: read_all(self.brokers, peer_topic), 60, "the event on the peer topic",
                          on_timeout=hub.log_tail)
        time.sleep(2)
        msgs = read_all(self.brokers, peer_topic)
        self.assertEqual(len(msgs), 1, msgs)
        m = msgs[0]
        self.assertEqual(m.value, body)
        self.assertEqual(m.headers["renkei-interface"], IFACE)
        self.assertEqual(m.headers["renkei-source"], SOURCE)
        self.assertEqual(m.headers["renkei-trace-id"], f"client-{tag}")
        self.assertEqual(m.headers["renkei-idempotency-key"], f"renkei-{IFACE}-client-{tag}")
        self.assertNotIn("renkei-batch-id", m.headers)
        dlvd = dict(name="renkei_records_delivered_total", interface=IFACE, system=TARGET)
        h.wait_for(lambda: hub.metric(**dlvd) == 1, 15, "delivered == 1")
        hub.wait_caught_up(30, route=ROUTE)
        hub.stop()

    def test_peer_unreachable_for_a_while_then_everything_arrives(self):
        peer_topic = f"{self.prefix}.{TARGET}.{IFACE}"
        create_topics(self.brokers, [peer_topic])
        peer = Forwarder(self.brokers.split(",")[0])
        self.addCleanup(peer.close)
        hub = self.start_hub("kafka-down", TARGET, peer_brokers=f"127.0.0.1:{peer.port}")
        tag = h.unique("d")
        sent = {}
        for i in range(1, 11):
            status, answer = hub.ingest(event(i, tag))
            self.assertEqual(status, 202, answer)
            sent[f"renkei-{IFACE}-{answer['trace_id']}"] = event(i, tag)
        retries = dict(name="renkei_delivery_retries_total", interface=IFACE)
        h.wait_for(lambda: (hub.metric(**retries) or 0) >= 3, 60, "retries while the peer is away",
                   on_timeout=hub.log_tail)
        self.assertIn(hub.metric("renkei_records_delivered_total", interface=IFACE, system=TARGET), (None, 0))
        self.assertEqual(read_all(self.brokers, peer_topic), [])

        peer.open()
        def arrived():
            got = {}
            for m in read_all(self.brokers, peer_topic):
                got.setdefault(m.headers["renkei-idempotency-key"], []).append(m.value)
            return got if set(got) >= set(sent) else None
        got = h.wait_for(arrived, 90, "every event on the peer topic", interval=1, on_timeout=hub.log_tail)
        self.assertEqual(set(got), set(sent), "an event arrived that was not sent")
        for key, bodies in got.items():
            self.assertTrue(all(b == sent[key] for b in bodies), f"{key}: other bytes under the same key")
        h.wait_for(lambda: hub.metric("renkei_records_delivered_total", interface=IFACE, system=TARGET) == 10, 30,
                   "delivered == 10", on_timeout=hub.log_tail)
        hub.wait_caught_up(30, route=ROUTE)
        hub.stop()


if __name__ == "__main__":
    import unittest
    unittest.main()
