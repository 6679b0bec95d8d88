"""A file route end to end, driven from outside (ARCHITECTURE §2, §4, §5).

Route 9 (住民記録 → 健康管理, daily, conversion none): a file dropped into
resident-record's outbox/009 must arrive in health-care's inbox/009 as exactly one file
with the same bytes; a file with a record that is illegal in the source charset is held
whole and its records go to renkei.if.009.dlq with a reason; SIGHUP with an invalid
configuration keeps the old one.

Run by ctest as `python3 -m unittest -v test_file_route` from tests/integration with
RENKEID, RENKEICTL, RENKEI_SOURCE_DIR and RENKEI_TEST_BROKERS in the environment.
"""

import re
import shutil
import signal
import subprocess
import time
import unittest

import harness as h
from harness import Hub, ROUTE, SOURCE, TARGET, SOURCE_CHARSET

IFACE = h.iface(ROUTE)


class FileRouteDelivery(h.HubTestCase):

    def deliver_10000(self, brokers, label):
        hub = Hub(self, brokers, label)
        hub.start()
        tag = h.unique("t")
        data = h.make_file(10_000, tag)
        name = f"resident-{label}.csv"
        hub.drop(name, data)

        files = hub.wait_delivered(name, 120)
        # Exactly one file, nothing else (no temp file left) in the target's inbox.
        self.assertEqual(len(files), 1, files)
        self.assertEqual(hub.inbox_entries(), [files[0].name])
        self.assertSameFile(files[0], data)
        self.assertEqual(len(h.lines(files[0].read_bytes())), 10_000)

        # The source file went to processed/ under the same batch id; the ledger names it.
        batch = files[0].name[: -len("_" + name)]
        self.assertRegex(batch, r"^\d{8}T\d{6}Z-[0-9a-f]{16}$")
        h.wait_for(lambda: hub.processed_entries(name), 30, "the source file in processed/")
        self.assertEqual(hub.processed_entries(name), [f"{batch}_{name}"])
        self.assertFalse((hub.outbox() / name).exists(), "the source file is still in the outbox")
        self.assertSameFile(hub.processed() / f"{batch}_{name}", data)
        self.assertEqual((hub.ledger() / batch).read_text(encoding="utf-8").strip(), files[0].name)

        # Metrics count records, once each.
        recv = dict(name="renkei_records_received_total", interface=IFACE, system=SOURCE)
        dlvd = dict(name="renkei_records_delivered_total", interface=IFACE, system=TARGET)
        h.wait_for(lambda: hub.metric(**dlvd) == 10_000 and hub.metric(**recv) == 10_000, 15,
                   "received/delivered metrics to reach 10000", on_timeout=lambda: repr(
                       (hub.metric(**recv), hub.metric(**dlvd))))
        m = hub.metrics()
        self.assertEqual(h.metric(m, **recv), 10_000)
        self.assertEqual(h.metric(m, **dlvd), 10_000)
        self.assertEqual(h.metric(m, "renkei_adapter_up", system=SOURCE), 1)
        self.assertEqual(h.metric(m, "renkei_adapter_up", system=TARGET), 1)
        self.assertEqual(sum(v for (n, lab), v in m.items()
                             if n == "renkei_records_dead_lettered_total" and ("interface", IFACE) in lab), 0)
        self.assertTrue(any(n == "renkei_build_info" for n, _ in m), "renkei_build_info missing")
        self.assertNotIn(tag, hub.log_bytes().decode("utf-8", "replace"), "record contents in the log")

        # The lag metric is checked last (collected here) so that it cannot hide the rest.
        lag = dict(name="renkei_consumer_lag_records", interface=IFACE)
        lag_problems = []

        def lag_is_zero(when, timeout):
            try:
                h.wait_for(lambda: hub.metric(**lag) == 0, timeout, f"{lag} == 0 {when}")
            except AssertionError as e:
                lag_problems.append(f"{e}: it is {hub.metric(**lag)} while the group has committed "
                                    f"renkei.if.{IFACE} up to its end (behind: {hub.behind()})")

        if brokers:
            # Offsets are committed after durable delivery: the group reaches the topic's end,
            # and the lag metric says so.
            hub.wait_caught_up(15)
            lag_is_zero("after the delivery", 15)

        # A second look a moment later: still one file, nothing re-delivered.
        time.sleep(2)
        self.assertEqual(hub.inbox_entries(), [files[0].name])
        self.assertEqual(hub.metric(**dlvd), 10_000)
        hub.stop()

        if brokers:
            # Restarted, the caught-up hub delivers nothing again and reports no lag.
            hub.start()
            hub.wait_assigned()
            h.wait_for(lambda: hub.metric(**lag) is not None, 15, f"{lag} to be published")
            lag_is_zero("after a restart", 10)
            self.assertEqual(hub.inbox_entries(), [files[0].name])
            self.assertIn(hub.metric(**dlvd), (None, 0))
            self.assertEqual(hub.processed_entries(name), [f"{batch}_{name}"])
            self.assertEqual(hub.behind(), {})
            hub.stop()
        self.assertEqual(lag_problems, [], "renkei_consumer_lag_records is wrong")
        return hub

    def test_a_10000_records_real_broker(self):
        self.deliver_10000(h.need_brokers(self), "route-real")

    def test_b_10000_records_embedded(self):
        hub = self.deliver_10000("", "route-embedded")
        log = hub.log_bytes().decode("utf-8", "replace")
        self.assertIn("EMBEDDED MODE", log)
        self.assertRegex(log, r"mock cluster at 127\.0\.0\.1:\d+")


class HeldBatch(h.HubTestCase):

    def test_c_illegal_record_holds_the_batch(self):
        brokers = h.need_brokers(self)
        dlq = f"renkei.if.{IFACE}.dlq"
        admin = h.kafkawire.Admin(brokers)
        hub = Hub(self, brokers, "held")
        hub.start()
        dlq_start = {p: off for (t, p), off in admin.end_offsets(re.escape(dlq)).items()}
        self.assertTrue(dlq_start, f"{dlq} does not exist after renkeid started")

        n, bad_at = 1000, 400
        tag = h.unique("t")
        secret = h.unique("HIMITSU")
        # 0x81 is a CP932 lead byte and 0x20 cannot follow it: an illegal sequence.
        bad_line = (f"{bad_at:012d},ﾋﾐﾂ ﾀﾛｳ,秘密 太郎,".encode("cp932") + b"\x81\x20" +
                    f"{secret},19800401,1,{tag}".encode("cp932"))
        with self.assertRaises(UnicodeDecodeError):
            bad_line.decode("cp932")
        bad_offset = bad_line.index(b"\x81\x20")
        data = h.make_file(n, tag, bad={bad_at: bad_line})
        expected = h.lines(data)
        name = "resident-held.csv"
        hub.drop(name, data)

        # The source side still carries the file onto the bus and marks it done.
        processed = h.wait_for(lambda: hub.processed_entries(name), 60, "the source file in processed/",
                               on_timeout=hub.log_tail)
        batch = processed[0][: -len("_" + name)]

        def dead_lettered():
            m = hub.metrics()
            return {reason: h.metric(m, "renkei_records_dead_lettered_total", interface=IFACE, reason=reason)
                    for reason in ("illegal-sequence", "unmappable", "batch-held")}
        h.wait_for(lambda: dead_lettered()["batch-held"] == n, 60, f"{n} batch-held dead letters",
                   on_timeout=lambda: f"{dead_lettered()}\n{hub.log_tail()}")
        time.sleep(3)  # the target must stay empty, not just be late

        # Nothing at the target, not even a temp file; no ledger entry.
        self.assertEqual(hub.inbox_entries(), [])
        self.assertFalse((hub.ledger() / batch).exists())
        self.assertEqual(h.metric(hub.metrics(), "renkei_records_delivered_total", interface=IFACE, system=TARGET),
                         None)

        counts = dead_lettered()
        self.assertEqual(counts, {"illegal-sequence": 1, "unmappable": None, "batch-held": n})

        # The DLQ holds every record of the batch, each once, with its original bytes.
        msgs = [m for m in h.read_topic(brokers, dlq, dlq_start) if m.headers.get("renkei-batch-id") == batch]
        ends = [m for m in msgs if "renkei-batch-end" in m.headers]
        records = [m for m in msgs if "renkei-batch-end" not in m.headers]
        self.assertEqual(len(ends), 1, f"end markers on the DLQ: {ends}")
        self.assertEqual(ends[0].headers.get("renkei-dlq-reason"), "batch-held")
        self.assertRegex(ends[0].headers["renkei-batch-end"], rf"^count={n};sha256={h.sha256(data)};")
        self.assertEqual(len(records), n, f"{len(records)} records of batch {batch} on {dlq}, expected {n}")
        by_seq = {}
        for m in records:
            seq = int(m.headers["renkei-seq"])
            self.assertNotIn(seq, by_seq, f"record {seq} twice on the DLQ")
            by_seq[seq] = m
        self.assertEqual(sorted(by_seq), list(range(1, n + 1)))
        for seq, m in by_seq.items():
            self.assertEqual(m.value, expected[seq - 1], f"DLQ value of record {seq}")
            self.assertEqual(m.headers.get("renkei-interface"), IFACE)
            self.assertEqual(m.headers.get("renkei-charset"), SOURCE_CHARSET)
            self.assertTrue(m.headers.get("renkei-dlq-detail"), f"record {seq} has no renkei-dlq-detail")
            self.assertTrue(m.headers.get("renkei-dlq-origin"), f"record {seq} has no renkei-dlq-origin")
            want = "illegal-sequence" if seq == bad_at else "batch-held"
            self.assertEqual(m.headers.get("renkei-dlq-reason"), want, f"reason of record {seq}")
        detail = by_seq[bad_at].headers["renkei-dlq-detail"]
        self.assertIn(f"byte {bad_offset}", detail)
        self.assertIn(SOURCE_CHARSET, detail)
        self.assertIn(f"record {bad_at}", detail)

        # The log says what happened, never what the records contain.
        log = hub.log_bytes()
        self.assertIn(f"batch {batch} held".encode(), log)
        for leak in (secret.encode(), tag.encode(), "秘密 太郎".encode("utf-8"), "秘密 太郎".encode("cp932"),
                     expected[bad_at - 2], expected[bad_at]):
            self.assertNotIn(leak, log, f"record contents {leak!r} in the daemon log")
        hub.stop()


class Reload(h.HubTestCase):

    def test_d_sighup_invalid_config_keeps_the_old_one(self):
        brokers = h.need_brokers(self)
        hub = Hub(self, brokers, "reload")
        hub.start()
        routes = hub.config_dir / "routes.yaml"
        original = routes.read_text(encoding="utf-8")

        # An admin's typo: route 9 now goes to a system that does not exist.
        broken, k = re.subn(r"(?m)^(  - id: 9\n(?:    .*\n)*?    to:) health-care$", r"\1 health-kare", original)
        self.assertEqual(k, 1)
        routes.write_text(broken, encoding="utf-8")
        if h.RENKEICTL and h.Path(h.RENKEICTL).exists():
            r = subprocess.run([h.RENKEICTL, "--config", str(hub.config_dir), "validate"], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 1, f"the broken config validates: {r.stdout}{r.stderr}")

        hub.signal(signal.SIGHUP)
        failure = dict(name="renkei_config_reloads_total", outcome="failure")
        success = dict(name="renkei_config_reloads_total", outcome="success")
        h.wait_for(lambda: hub.metric(**failure) == 1, 30, 'config_reloads_total{outcome="failure"} == 1',
                   on_timeout=hub.log_tail)
        self.assertIn("keeping the old one", hub.run_log())
        self.assertTrue(hub.alive())
        self.assertIn(hub.metric(**success), (None, 0))
        self.assertEqual(hub.http_status("/readyz"), 200)

        # The old configuration still delivers.
        data = h.make_file(500, h.unique("t"))
        hub.drop("after-failed-reload.csv", data)
        files = hub.wait_delivered("after-failed-reload.csv", 60)
        self.assertEqual(len(files), 1)
        self.assertSameFile(files[0], data)
        self.assertFalse((hub.spool / "health-kare").exists(), "the invalid config was (partly) applied")

        # Fixed, plus a real change (route 9's schedule): the reload succeeds.
        changed, k = re.subn(r'(?m)^(  - id: 9\n(?:    .*\n)*?      cron:) "0 22 \* \* \*"$', r'\1 "30 21 * * *"',
                             original)
        self.assertEqual(k, 1)
        routes.write_text(changed, encoding="utf-8")
        hub.signal(signal.SIGHUP)
        h.wait_for(lambda: hub.metric(**success) == 1, 30, 'config_reloads_total{outcome="success"} == 1',
                   on_timeout=hub.log_tail)
        self.assertEqual(hub.metric(**failure), 1)
        self.assertIn("reload: new configuration active", hub.run_log())

        data2 = h.make_file(500, h.unique("t"))
        hub.drop("after-good-reload.csv", data2)
        files2 = hub.wait_delivered("after-good-reload.csv", 60)
        self.assertEqual(len(files2), 1)
        self.assertSameFile(files2[0], data2)
        self.assertEqual(len(hub.delivered("after-failed-reload.csv")), 1)
        hub.stop()



class TargetDown(h.HubTestCase):

    def test_e_unwritable_target_is_retried_until_it_takes_the_file(self):
        # Embedded bus: this is about the target side, and needs no broker restarts.
        hub = Hub(self, "", "target-down")
        hub.start()
        inbox = hub.inbox()
        # The target's inbox is gone and a plain file stands in its place: every attempt
        # to create the delivery fails with an I/O error, a transient failure.
        shutil.rmtree(inbox, ignore_errors=True)
        inbox.parent.mkdir(parents=True, exist_ok=True)
        inbox.write_bytes(b"not a directory")

        n = 2000
        data = h.make_file(n, h.unique("t"))
        name = "while-target-down.csv"
        hub.drop(name, data)
        retries = dict(name="renkei_delivery_retries_total", interface=IFACE)
        h.wait_for(lambda: (hub.metric(**retries) or 0) >= 2, 60, "at least two delivery retries",
                   on_timeout=hub.log_tail)
        self.assertTrue(hub.alive())
        self.assertIn(hub.metric(name="renkei_records_delivered_total", interface=IFACE, system=TARGET), (None, 0))
        self.assertEqual(hub.http_status("/readyz"), 200)

        # The target comes back: the batch is delivered once, whole, with nothing lost.
        inbox.unlink()
        files = hub.wait_delivered(name, 90)
        self.assertEqual(len(files), 1, hub.inbox_entries())
        self.assertEqual(files[0].read_bytes(), data)
        self.assertEqual([e for e in hub.inbox_entries() if e.startswith(".")], [])
        h.wait_for(lambda: hub.metric(name="renkei_records_delivered_total", interface=IFACE, system=TARGET) == n,
                   30, f"delivered_total == {n}", on_timeout=hub.log_tail)
        self.assertIn("retrying from offset", hub.run_log())
        hub.stop()


if __name__ == "__main__":
    unittest.main()
