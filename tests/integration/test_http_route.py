"""The `http` adapter end to end, driven from outside (ARCHITECTURE §2, §4, §5).

Route 28 (印鑑証明 seal-cert → コンビニ交付 convenience-cert, realtime, conversion none,
both CP932) with both systems on the http kind: an event POSTed to renkeid's
/ingest/seal-cert/028 is answered 202 once Kafka has it, and arrives once at a small
HTTP receiver written here in Python (scripts/http_receiver.py) with an Idempotency-Key
stable per record. While the receiver is down (refused) or answers 503 the hub retries
with back-off and loses nothing; a repeat carries the same key. A 4xx answer puts the
event on renkei.if.028.dlq with reason target-rejected. Bad input gets a 4xx that says
why; a body above max_body_bytes gets 413.

Run by ctest as `python3 -m unittest -v test_http_route` from tests/integration with
RENKEID, RENKEICTL, RENKEI_SOURCE_DIR and RENKEI_TEST_BROKERS in the environment.
"""

import json
import re
import sys
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
TARGET_PATH = f"/{TARGET}/{IFACE}"
TOPIC = f"renkei.if.{IFACE}"


def event(i, tag):
    """One CP932 record of 印鑑 changes (fictional)."""
    return f"{i:06d},印鑑登録,山田 ﾀﾛｳ,髙橋,{tag}".encode("cp932")


def end_offsets(brokers):
    """{(topic, partition): end} of the route topic; retried while a fresh broker still
    elects the leaders of topics renkeid has just created."""
    def attempt():
        try:
            return kafkawire.Admin(brokers).end_offsets(re.escape(TOPIC))
        except kafkawire.KafkaWireError:
            return None
    return h.wait_for(attempt, 30, f"end offsets of {TOPIC}", interval=0.5)


class HttpHub(Hub):
    """A Hub whose http systems point at `receiver`, with quick back-off for the tests."""

    def __init__(self, testcase, brokers, name, receiver):
        super().__init__(testcase, brokers, name)
        systems = self.config_dir / "systems.yaml"
        text = systems.read_text(encoding="utf-8")
        text, n = re.subn(r"url: http://127\.0\.0\.1:9471/", f"url: http://127.0.0.1:{receiver.port}/", text)
        assert n >= 2, "systems.yaml: expected the http systems' placeholder URLs"
        text, n = re.subn(r"(?m)^(    adapter:.*\n      kind: http\n)",
                          r"\1      backoff_initial_ms: 200\n      backoff_max_ms: 1000\n      timeout_ms: 2000\n"
                          r"      max_body_bytes: 4096\n", text)
        assert n >= 3, n
        systems.write_text(text, encoding="utf-8")

    def token(self):
        return (self.state / "api-token").read_text().strip()

    def ingest(self, body, path=f"/ingest/{SOURCE}/{IFACE}", token=True, headers=None):
        """(status, json answer) of a POST to the ingest endpoint."""
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body, method="POST")
        if token:
            req.add_header("Authorization", f"Bearer {self.token()}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, {"raw": raw.decode("utf-8", "replace")}


class HttpRoute(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)
        h.wait_route_topics_answer(self.brokers)
        self.receiver = Receiver().start()
        self.addCleanup(self.receiver.stop)

    def start_hub(self, label):
        hub = HttpHub(self, self.brokers, label, self.receiver)
        hub.start()
        hub.wait_assigned()
        return hub

    def wait_keys(self, hub, keys, timeout):
        return h.wait_for(lambda: set(keys) <= set(self.receiver.by_key(TARGET_PATH)), timeout,
                          f"{len(keys)} events at the receiver", interval=0.1,
                          on_timeout=lambda: f"have {len(self.receiver.by_key(TARGET_PATH))}\n{hub.log_tail()}")

    def test_event_arrives_once_with_its_headers_and_key(self):
        hub = self.start_hub("http-once")
        start = end_offsets(self.brokers)
        tag = h.unique("t")
        body = event(1, tag)
        status, answer = hub.ingest(body)
        self.assertEqual(status, 202, answer)
        self.assertEqual(answer["interface"], ROUTE)
        trace = answer["trace_id"]
        self.assertRegex(trace, r"^[0-9a-f]{32}$")
        key = f"renkei-{IFACE}-{trace}"
        self.wait_keys(hub, [key], 60)
        time.sleep(2)  # anything more would come now
        posts = [p for p in self.receiver.snapshot() if p["path"] == TARGET_PATH]
        self.assertEqual([(p["key"], p["body"]) for p in posts], [(key, body)], "not exactly once")
        self.assertEqual(posts[0]["headers"].get("Renkei-Interface"), IFACE)

        # On the bus: the original bytes with the contract's headers, before any conversion.
        msgs = h.read_topic(self.brokers, TOPIC, {p: o for (t, p), o in start.items()})
        mine = [m for m in msgs if m.headers.get("renkei-trace-id") == trace]
        self.assertEqual(len(mine), 1, msgs)
        m = mine[0]
        self.assertEqual(m.value, body)
        self.assertEqual(m.headers["renkei-interface"], IFACE)
        self.assertEqual(m.headers["renkei-source"], SOURCE)
        self.assertEqual(m.headers["renkei-charset"], "ibm-943_P15A-2003")
        self.assertRegex(m.headers["renkei-ingested-at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertNotIn("renkei-batch-id", m.headers)

        # Counted once each way; the offset is committed after the target's 2xx.
        recv = dict(name="renkei_records_received_total", interface=IFACE, system=SOURCE)
        dlvd = dict(name="renkei_records_delivered_total", interface=IFACE, system=TARGET)
        h.wait_for(lambda: hub.metric(**recv) == 1 and hub.metric(**dlvd) == 1, 15, "metrics at 1")
        hub.wait_caught_up(30, route=ROUTE)
        self.assertNotIn(tag, hub.log_bytes().decode("utf-8", "replace"), "record contents in the log")

        # A client that sends again with its own Idempotency-Key gets the same outbound key.
        status, a1 = hub.ingest(event(2, tag), headers={"Idempotency-Key": "client-evt-0002"})
        status2, a2 = hub.ingest(event(2, tag), headers={"Idempotency-Key": "client-evt-0002"})
        self.assertEqual((status, status2), (202, 202))
        self.assertEqual(a1["trace_id"], "client-evt-0002")
        self.wait_keys(hub, [f"renkei-{IFACE}-client-evt-0002"], 60)
        time.sleep(1)
        self.assertEqual(len(self.receiver.by_key(TARGET_PATH)[f"renkei-{IFACE}-client-evt-0002"]), 2,
                         "both copies arrive under one key (the target keeps one)")
        hub.stop()

    def test_bad_input_is_refused_with_a_reason(self):
        hub = self.start_hub("http-bad")
        ok = event(1, "x")
        # Writes need the bearer token.
        status, answer = hub.ingest(ok, token=False)
        self.assertEqual(status, 401, answer)
        # Bytes that are not Windows-31J: 400 naming the byte offset.
        bad = b"000001,\x82\xa0\x82" + b"\xff\xff" + b",end"
        status, answer = hub.ingest(bad)
        self.assertEqual(status, 400, answer)
        self.assertEqual(answer["error"], "illegal-sequence")
        self.assertEqual(answer["offset"], 9)
        # Above max_body_bytes (4096 here): 413.
        status, answer = hub.ingest(b"A" * 5000)
        self.assertEqual(status, 413, answer)
        status, answer = hub.ingest(b"")
        self.assertEqual(status, 400, answer)
        # Unknown system, a system on files, a route that does not start there.
        self.assertEqual(hub.ingest(ok, path="/ingest/no-such-system/028")[0], 404)
        status, answer = hub.ingest(ok, path="/ingest/resident-record/015")
        self.assertEqual(status, 404, answer)
        self.assertIn("file", answer["error"])
        self.assertEqual(hub.ingest(ok, path=f"/ingest/{SOURCE}/015")[0], 404)
        # The route may come as a header, or from the system's only route.
        self.assertEqual(hub.ingest(ok, path=f"/ingest/{SOURCE}", headers={"Renkei-Interface": "28"})[0], 202)
        self.assertEqual(hub.ingest(ok, path=f"/ingest/{SOURCE}")[0], 202)
        # number-link sends on one route only too; convenience-cert sends on none.
        self.assertEqual(hub.ingest(ok, path="/ingest/convenience-cert")[0], 400)
        self.assertEqual(hub.ingest(ok, headers={"Idempotency-Key": "../../etc"})[0], 400)
        # Nothing of the refused bodies reached the target.
        h.wait_for(lambda: len(self.receiver.by_key(TARGET_PATH)) == 2, 60, "the two accepted events")
        time.sleep(1)
        for bodies in self.receiver.by_key(TARGET_PATH).values():
            self.assertEqual(bodies, [ok])
        hub.stop()

    def test_target_down_retries_then_delivers_everything(self):
        hub = self.start_hub("http-down")
        port = self.receiver.port
        self.receiver.stop()  # refused
        tag = h.unique("d")
        sent = {}
        for i in range(1, 21):
            status, answer = hub.ingest(event(i, tag))
            self.assertEqual(status, 202, answer)
            sent[f"renkei-{IFACE}-{answer['trace_id']}"] = event(i, tag)
        retries = dict(name="renkei_delivery_retries_total", interface=IFACE)
        h.wait_for(lambda: (hub.metric(**retries) or 0) >= 3, 30, "retries while the target is down",
                   on_timeout=hub.log_tail)
        self.assertIn(hub.metric("renkei_records_delivered_total", interface=IFACE, system=TARGET), (None, 0))

        # Back, but answering 503 for a while: still retried, still nothing lost.
        self.receiver = Receiver(port=port, status=503).start()
        self.addCleanup(self.receiver.stop)
        h.wait_for(lambda: self.receiver.refused >= 2, 30, "503 answers to count", on_timeout=hub.log_tail)
        self.receiver.status = 200
        self.wait_keys(hub, sent, 60)
        got = self.receiver.by_key(TARGET_PATH)
        for key, body in sent.items():
            self.assertTrue(all(b == body for b in got[key]), f"{key}: other bytes under the same key")
        self.assertEqual(set(got), set(sent), "an event arrived that was not sent")
        h.wait_for(lambda: hub.metric("renkei_records_delivered_total", interface=IFACE, system=TARGET) == 20, 15,
                   "delivered == 20")
        hub.wait_caught_up(30, route=ROUTE)
        hub.stop()

    def test_client_error_goes_to_the_dlq(self):
        hub = self.start_hub("http-4xx")
        self.receiver.status = 422
        start = end_offsets(self.brokers)
        status, answer = hub.ingest(event(1, "r"))
        self.assertEqual(status, 202, answer)
        dl = dict(name="renkei_records_dead_lettered_total", interface=IFACE, reason="target-rejected")
        h.wait_for(lambda: hub.metric(**dl) == 1, 60, "the event in the DLQ", on_timeout=hub.log_tail)
        # The DLQ topic is shared with earlier runs on this broker: only ours (by origin).
        def ours(e):
            topic, p, o = e["origin"].rsplit(":", 2)
            return topic == TOPIC and int(o) >= start[(TOPIC, int(p))]
        # Hubs of other checkouts sharing the broker consume the topic under their own
        # groups, and one without this adapter dead-letters the event as a bad-record.
        entries = [e for e in hub.dlq_entries(ROUTE) if ours(e) and e["reason"] != "bad-record"]
        self.assertEqual([e["reason"] for e in entries], ["target-rejected"])
        self.assertIn("422", entries[0]["detail"])
        # The route goes on: the next event is delivered.
        self.receiver.status = 200
        status, answer = hub.ingest(event(2, "r"))
        self.assertEqual(status, 202)
        self.wait_keys(hub, [f"renkei-{IFACE}-{answer['trace_id']}"], 60)
        hub.stop()

    def test_event_to_a_file_target_is_converted_once_or_dead_lettered(self):
        # Route 27: number-link (http, UTF-8) → resident-record (files, Windows-31J).
        hub = self.start_hub("http-to-file")
        body = "000027,転出届,山田 太郎".encode("utf-8")
        status, answer = hub.ingest(body, path="/ingest/number-link/027",
                                    headers={"Idempotency-Key": "nl-0001"})
        self.assertEqual(status, 202, answer)
        inbox = hub.inbox(system="resident-record", route=27)
        files = h.wait_for(lambda: [e for e in hub._entries(inbox) if not e.startswith(".")], 60,
                           f"the event in {inbox}", on_timeout=hub.log_tail)
        self.assertEqual(files, ["nl-0001_event"])
        self.assertEqual((inbox / files[0]).read_bytes(), "000027,転出届,山田 太郎".encode("cp932"))
        # Sent again under the same key: the ledger knows it, no second file.
        status, _ = hub.ingest(body, path="/ingest/number-link/027", headers={"Idempotency-Key": "nl-0001"})
        self.assertEqual(status, 202)
        # Hangul has no Windows-31J code (and no gaiji in the table): DLQ, nothing in the inbox.
        status, answer = hub.ingest("000028,転出届,한田".encode("utf-8"), path="/ingest/number-link/027")
        self.assertEqual(status, 202, answer)
        dl = dict(name="renkei_records_dead_lettered_total", interface="027", reason="unmappable")
        h.wait_for(lambda: hub.metric(**dl) == 1, 60, "the unmappable event in the DLQ", on_timeout=hub.log_tail)
        hub.wait_caught_up(30, route=27)
        self.assertEqual([e for e in hub._entries(inbox) if not e.startswith(".")], ["nl-0001_event"])
        hub.stop()

    def test_kill9_after_delivery_repeats_only_under_the_same_key(self):
        hub = self.start_hub("http-kill")
        tag = h.unique("k")
        sent = {}
        for i in range(1, 31):
            status, answer = hub.ingest(event(i, tag))
            self.assertEqual(status, 202, answer)
            sent[f"renkei-{IFACE}-{answer['trace_id']}"] = event(i, tag)
        # Killed right after the last delivery: its offset commit (every second) may be lost.
        self.wait_keys(hub, sent, 60)
        hub.kill9()
        hub.start()
        hub.wait_assigned()
        hub.wait_caught_up(60, route=ROUTE)
        got = self.receiver.by_key(TARGET_PATH)
        self.assertEqual(set(got), set(sent))
        for key, bodies in got.items():
            self.assertTrue(all(b == sent[key] for b in bodies), key)
        hub.stop()


if __name__ == "__main__":
    import unittest
    unittest.main()
