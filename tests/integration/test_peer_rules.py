"""A peer's rule set in the daemon, end to end on the real broker (issue 16).

Route 43 (個人住民税 → eLTAX, profile eltax: rules [eltax, jisx0208]): a CP932 file with
one symbol eLTAX prohibits (♂) is held whole — no part of a file reaches the peer — its
bad record on renkei.if.043.dlq as rule-refused with the rule and byte offset named
(never the character), the others as batch-held; another file of the same run is
delivered. A declared replacement (a row ♂ → 男 in shrink/default.tsv), SIGHUP and
`renkeictl dlq replay 43` then deliver the held file, once, with the replacement counted.
"""

import json
import os
import signal
import subprocess
import unittest

import harness as h
import kafkawire
from harness import Hub

ROUTE = 43
SOURCE = "resident-tax"
TARGET = "eltax"
DLQ = "renkei.if.043.dlq"
RENKEICTL = os.environ["RENKEICTL"]

KOJIN = "個人住民税".encode("cp932")
SEX_MALE = "♂".encode("cp932")   # 81 89: in CP932 and JIS X 0208, refused by eLTAX
OTOKO = "男".encode("cp932")


class PeerRules(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)
        self.hub = Hub(self, self.brokers, "rules")
        self.hub.start()
        admin = kafkawire.Admin(self.brokers)
        admin.commit_offsets(self.hub.group + ".dlq-replay", admin.end_offsets(r"renkei\.if\.043\.dlq"))
        self.dlq_start = {p: o for (t, p), o in admin.end_offsets(r"renkei\.if\.043\.dlq").items()}

    def ctl(self, *args):
        proc = subprocess.run([RENKEICTL, "--config", str(self.hub.config_dir), *args,
                               "--api", f"http://127.0.0.1:{self.hub.port}"],
                              capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise AssertionError(f"renkeictl {args} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
        return json.loads(proc.stdout)

    def test_a_prohibited_symbol_is_held_with_its_rule_then_replaced_and_replayed(self):
        hub = self.hub
        tag = h.unique("r")
        good = KOJIN + b",A001\n" + KOJIN + b",A002\n"
        good_name = f"good-{tag}.csv"
        bad = KOJIN + b",B001\n" + KOJIN + b"," + SEX_MALE + b"\n" + KOJIN + b",B003\n"
        bad_name = f"bad-{tag}.csv"
        hub.drop(bad_name, bad, system=SOURCE, route=ROUTE)
        hub.drop(good_name, good, system=SOURCE, route=ROUTE)
        # A manual row: its files move when a person runs it (this year's 4/1 run).
        hub.request_run(ROUTE, "2026-04-01")

        files = hub.wait_delivered(good_name, 120, system=TARGET, route=ROUTE)
        self.assertEqual([f.read_bytes() for f in files], [good])
        h.wait_for(lambda: len(h.read_topic(self.brokers, DLQ, self.dlq_start)) >= 4, 60,
                   "the held file on the DLQ", on_timeout=hub.log_tail)
        dead = h.read_topic(self.brokers, DLQ, self.dlq_start)
        self.assertEqual(len(dead), 4, dead)
        by_seq = {m.headers.get("renkei-seq"): m for m in dead if "renkei-batch-end" not in m.headers}
        self.assertEqual(sorted(by_seq), ["1", "2", "3"])
        self.assertEqual([by_seq[s].value for s in ("1", "2", "3")], bad.split(b"\n")[:3])  # as they came
        refused = by_seq["2"]
        self.assertEqual(refused.headers["renkei-dlq-reason"], "rule-refused")
        detail = refused.headers["renkei-dlq-detail"]
        self.assertIn("field 'record' at byte 11", detail)  # 個人住民税 (10 bytes) and the comma
        self.assertIn("rule 'eltax'", detail)
        self.assertNotIn("♂", detail)
        self.assertNotIn("2642", detail)
        self.assertEqual({by_seq[s].headers["renkei-dlq-reason"] for s in ("1", "3")}, {"batch-held"})
        self.assertEqual(hub.delivered(bad_name, system=TARGET, route=ROUTE), [])
        self.assertEqual(hub.metric("renkei_conversion_errors_total", interface="043", kind="rule-refused"), 1)
        self.assertEqual(hub.metric("renkei_records_dead_lettered_total", interface="043", reason="rule-refused"), 1)

        # The declared replacement, a reload, a replay: delivered once, with 男.
        with open(hub.codemaps_dir / "shrink" / "default.tsv", "ab") as f:
            f.write("U+2642\tU+7537\n".encode("utf-8"))
        hub.signal(signal.SIGHUP)
        h.wait_for(lambda: hub.metric("renkei_config_reloads_total", outcome="success") == 1, 60,
                   "the reload with the replacement", on_timeout=hub.log_tail)
        self.assertEqual(self.ctl("dlq", "replay", str(ROUTE))["replayed"], 4)
        files = hub.wait_delivered(bad_name, 120, system=TARGET, route=ROUTE)
        self.assertEqual([f.read_bytes() for f in files], [bad.replace(SEX_MALE, OTOKO)])
        h.wait_for(lambda: hub.metric("renkei_conversion_shrinks_total", interface="043") == 1, 20,
                   "the replacement counted", on_timeout=hub.log_tail)
        self.assertEqual(self.ctl("dlq", "list", str(ROUTE))["entries"], [])
        self.assertNotIn(SEX_MALE, hub.log_bytes())


if __name__ == "__main__":
    unittest.main()
