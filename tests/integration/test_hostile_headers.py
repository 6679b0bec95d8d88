"""Hostile producers on a route topic (real broker, kcat as the producer).

Any client that can write to renkei.if.009 can set the batch headers renkeid acts on. A
batch id that is a path, a marker naming a file outside the inbox, CR/LF in a header, a
batch whose end marker never comes: each must end on renkei.if.009.dlq with its reason,
change nothing outside the spool (a canary directory is compared before and after), and
leave the partition moving: a normal file dropped afterwards is delivered once.
"""

import hashlib
import json
import os
import re
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import harness as h
from harness import Hub, ROUTE

TOPIC = f"renkei.if.{ROUTE:03d}"
DLQ = TOPIC + ".dlq"


def produce(brokers, value, headers, partition=0):
    """One message with exactly these headers (values may hold any byte but NUL)."""
    args = ["kcat", "-b", brokers, "-P", "-t", TOPIC, "-p", str(partition), "-X", "acks=all", "-X", "log_level=3"]
    for k, v in headers:
        args += ["-H", f"{k}={v}"]
    r = subprocess.run(args, input=value, capture_output=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"kcat -P failed: {r.stderr.decode(errors='replace')}")


def end_marker(records, name):
    body = b"\n".join(records) + b"\n"
    return f"count={len(records)};sha256={hashlib.sha256(body).hexdigest()};eol=1;name={name}"


def send_batch(brokers, batch_id, records, name=None, extra=(), source=None, charset=None):
    """The records of a batch and (unless name is None) its closing marker."""
    common = [("renkei-interface", f"{ROUTE:03d}"), ("renkei-source", source or h.SOURCE),
              ("renkei-charset", charset or h.SOURCE_CHARSET)]
    for seq, rec in enumerate(records, 1):
        produce(brokers, rec, common + [("renkei-batch-id", batch_id), ("renkei-seq", str(seq))] + list(extra))
    if name is not None:
        # (kcat sends no message for empty input; the router reads no marker's value.)
        produce(brokers, b"end", common + [("renkei-batch-id", batch_id),
                                           ("renkei-batch-end", end_marker(records, name))])


class Message:
    def __init__(self, value, headers):
        self.value = value
        self.headers = headers


def read_json_topic(brokers, topic, start):
    """Like harness.read_topic, but through kcat's JSON output, whose header values are
    escaped: the dead letters here carry CR and LF in their headers."""
    out = []
    for partition, offset in sorted(start.items()):
        r = subprocess.run(["kcat", "-b", brokers, "-C", "-t", topic, "-p", str(partition), "-o", str(offset),
                            "-e", "-q", "-J", "-X", "log_level=3"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"kcat {topic}/{partition} failed: {r.stderr.decode(errors='replace')}")
        for line in r.stdout.decode("utf-8", errors="surrogateescape").splitlines():
            if not line.strip():
                continue
            j = json.loads(line)
            hs = j.get("headers") or []
            headers = {hs[i]: hs[i + 1] for i in range(0, len(hs) - 1, 2)}
            payload = j.get("payload")
            out.append(Message(b"" if payload is None else payload.encode("utf-8", errors="surrogateescape"),
                               headers))
    return out


def snapshot(root):
    """Every entry below root: kind, size, mtime and content hash."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            st = p.lstat()
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() and not p.is_symlink() else ""
            out[str(p.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return out


class HostileHeaders(h.HubTestCase):
    def test_hostile_batch_headers_go_to_the_dlq_and_the_route_still_delivers(self):
        brokers = h.need_brokers(self)
        canary = Path(tempfile.mkdtemp(prefix="renkei-canary-"))
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", str(canary)]))
        (canary / "victim.csv").write_bytes(b"must never change\n")
        (canary / "delivered-before").write_bytes(b"")
        before = snapshot(canary)

        hub = Hub(self, brokers, "hostile-headers")
        text = hub.hub_yaml.read_text(encoding="utf-8")
        text, n = re.subn(r"(?m)^(\s+batch_timeout_ms:)\s*\d+", r"\1 3000", text)
        self.assertEqual(n, 1, "hub.yaml has no bus.batch_timeout_ms")
        hub.hub_yaml.write_text(text, encoding="utf-8")
        admin = h.kafkawire.Admin(brokers)
        hub.start()
        hub.wait_assigned()
        dlq_start = {}

        def dlq_offsets():  # a topic just created has no leader for a moment
            try:
                dlq_start.update({p: off for (t, p), off in admin.end_offsets(re.escape(DLQ)).items()})
            except h.kafkawire.KafkaWireError:
                return False
            return bool(dlq_start)

        h.wait_for(dlq_offsets, 60, f"{DLQ}'s offsets")

        rel = os.path.relpath(canary / "victim", hub.inbox())
        send_batch(brokers, rel, [b"r1", b"r2"], "x.csv")                          # ../../ path
        send_batch(brokers, str(canary / "delivered-before"), [b"r1"], "y.csv")    # absolute path
        send_batch(brokers, "crlf\r\nX-Evil: 1", [b"r1"], "z.csv")                 # header splitting
        send_batch(brokers, "hostile-name-0001", [b"n1", b"n2"], "../../" + str(canary / "escape.csv"))
        send_batch(brokers, "hostile-name-0002", [b"m1"], "line\nbreak.csv")
        send_batch(brokers, "no-marker-0001", [b"i1", b"i2", b"i3"], None)         # never closed
        produce(brokers, b"s1", [("renkei-batch-id", "bad-seq-0001"), ("renkei-seq", "1\r\n")])
        # Clean bytes, but no system and no charset of the catalogue: refused like a bad value.
        send_batch(brokers, "unknown-source-0001", [b"u1", b"u2"], "u.csv", source="no-such-system")
        send_batch(brokers, "unknown-charset-0001", [b"c1"], "c.csv", charset="EBCDIC-JP-KANA")

        want = {  # batch id (as sent) -> (reason, how many dead letters)
            rel: ("bad-header", 3),
            str(canary / "delivered-before"): ("bad-header", 2),
            "crlf\r\nX-Evil: 1": ("bad-header", 2),
            "hostile-name-0001": ("batch-held", 3),
            # Its marker carries a LF: the marker is refused (bad-header) and its batch held at
            # once (its record batch-held), not left open until batch-incomplete.
            "hostile-name-0002": ({"bad-header", "batch-held"}, 2),
            "no-marker-0001": ("batch-incomplete", 3),
            "bad-seq-0001": ("bad-header", 1),
            "unknown-source-0001": ("bad-header", 3),
            "unknown-charset-0001": ("bad-header", 2),
        }

        def dead_letters():
            got = {}
            for m in read_json_topic(brokers, DLQ, dlq_start):
                got.setdefault(m.headers.get("renkei-batch-id"), []).append(m)
            return got

        def complete():
            got = dead_letters()
            return all(len(got.get(k, [])) >= n for k, (_, n) in want.items())

        h.wait_for(complete, 90, "every hostile record on the DLQ", on_timeout=hub.log_tail)
        got = dead_letters()
        for batch, (reason, n) in want.items():
            msgs = got.get(batch, [])
            self.assertEqual(len(msgs), n, f"dead letters of batch {batch!r}")
            if isinstance(reason, set):
                self.assertEqual({m.headers.get("renkei-dlq-reason") for m in msgs}, reason, f"reasons for {batch!r}")
            for m in msgs:
                if not isinstance(reason, set):
                    self.assertEqual(m.headers.get("renkei-dlq-reason"), reason, f"reason for {batch!r}")
                detail = m.headers.get("renkei-dlq-detail", "")
                self.assertTrue(detail, f"{batch!r}: no detail")
                self.assertNotIn(str(canary), detail, "the detail repeats the hostile value")
        held = got["hostile-name-0001"]
        self.assertTrue(all("spool file name" in m.headers.get("renkei-dlq-detail", "") for m in held))
        self.assertEqual(sorted(m.value for m in got["no-marker-0001"]), [b"i1", b"i2", b"i3"],
                         "an incomplete batch's records are kept with their original bytes")
        self.assertGreaterEqual(hub.metric("renkei_records_dead_lettered_total", interface=f"{ROUTE:03d}",
                                           reason="bad-header"), 14)

        # Nothing outside the spool changed, nothing hostile reached the target.
        self.assertEqual(snapshot(canary), before, "the canary directory changed")
        self.assertFalse((canary / "escape.csv").exists())
        self.assertEqual(hub.inbox_entries(), [], "a hostile batch reached the target inbox")
        self.assertNotIn(b"X-Evil", hub.log_bytes(), "a raw header value reached the log")

        # The partition moved on: a normal file is delivered once.
        data = h.make_file(50, "after-hostile")
        hub.drop("normal.csv", data)
        delivered = hub.wait_delivered("normal.csv", 60)
        self.assertEqual(len(delivered), 1, "delivered more than once")
        self.assertSameFile(hub.inbox() / delivered[0], data)
        time.sleep(2)
        self.assertEqual(len(hub.inbox_entries()), 1, "delivered more than once")
        self.assertTrue(hub.alive())


    def test_a_record_above_the_bus_limit_is_refused_at_the_source_and_nothing_is_lost(self):
        brokers = h.need_brokers(self)
        hub = Hub(self, brokers, "too-large")
        text = hub.hub_yaml.read_text(encoding="utf-8")
        text, n = re.subn(r"(?m)^(\s+batch_timeout_ms:)\s*\d+", r"\1 3000", text)
        self.assertEqual(n, 1)
        hub.hub_yaml.write_text(text, encoding="utf-8")
        hub.start()
        hub.wait_assigned()
        # Record 3 of 5 is 1.2 MB: above librdkafka's message.max.bytes (1,000,000).
        big = h.make_file(2, "before") + b"x" * 1_200_000 + b"\n" + h.make_file(2, "after")
        path = hub.drop("big.csv", big)
        h.wait_for(lambda: (hub.metric("renkei_spool_refused_total", interface=f"{ROUTE:03d}",
                                       reason="too-large") or 0) >= 1, 60, "the refusal counted",
                   on_timeout=hub.log_tail)
        self.assertTrue(path.exists(), "the refused file left the outbox")
        self.assertEqual(path.read_bytes(), big, "the refused file changed")
        # The records before it were open as a batch (a temp file) until its expiry.
        h.wait_for(lambda: "ended without its end marker" in hub.run_log(), 30, "the incomplete batch expired",
                   on_timeout=hub.log_tail)
        self.assertEqual(hub.inbox_entries(), [], "the incomplete batch left something in the inbox")
        self.assertRegex(hub.run_log(), r"record 3 of batch \S+ is larger than the bus takes")
        # Reported once, not on every scan; later files are not held up.
        data = h.make_file(20, "next")
        hub.drop("next.csv", data)
        delivered = hub.wait_delivered("next.csv", 60)
        self.assertSameFile(delivered[0], data)
        time.sleep(3)
        self.assertEqual(hub.metric("renkei_spool_refused_total", interface=f"{ROUTE:03d}", reason="too-large"), 1)
        self.assertTrue(path.exists())


if __name__ == "__main__":
    unittest.main()
