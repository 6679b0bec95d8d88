"""The conversion stage in the daemon, end to end on the real broker (issue 5).

Route 5 (住民記録 → 住基ネット, daily, profile jukinet, GWサーバ経由): a CP932 file whose
names use gaiji arrives in the GW server's inbox (the hop carries 住基ネット's end, see
test_via_route) with every character written as its 住基ネット統一文字
code (the sample table in codemaps/jukinet/unified.tsv), the gaiji mapped through
codemaps/gaiji/resident-record.tsv. A file with a gaiji the table lacks is held whole:
its records go to renkei.if.005.dlq with their original bytes, the bad one with reason
gaiji-unmapped and its byte offset. Adding the row to the codemap, reloading (SIGHUP)
and `renkeictl dlq replay 5` then deliver it, once.
"""

import json
import os
import signal
import subprocess
import time
import unittest
import urllib.error
import urllib.request

import harness as h
import kafkawire
from harness import Hub

ROUTE = 5
SOURCE = "resident-record"
# The route is for 住基ネット; the GW server's adapter takes its files (via: gw-server).
TARGET = "gw-server"
DLQ = "renkei.if.005.dlq"
RENKEICTL = os.environ["RENKEICTL"]

# CP932 bytes of the sample names and what the jukinet profile must write for them: each
# character's J+ code (from the sample table) in UTF-8 form.
YAMADA = b"\x8e\x52\x93\x63"               # 山田
TARO = b"\x91\xbe\x98\x59"                 # 太郎
GAIJI_KATSU_IVS = b"\xf0\x40"              # local gaiji → 葛󠄀 (U+845B U+E0100) → J+AC01
GAIJI_YOSHI = b"\xf0\x42"                  # local gaiji → 𠮷 (U+20BB7) → J+AC00
GAIJI_UNMAPPED = b"\xf0\x43"               # not in the shipped gaiji table


def jplus(*codes):
    return "".join(chr(c) for c in codes).encode("utf-8")


class ConversionRoute(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)
        self.hub = Hub(self, self.brokers, "conv")
        self.hub.start()
        # Dead letters of earlier runs stay on the DLQ (retention -1): this hub's replay
        # position starts at the current end, as an operator's would after reading them.
        admin = kafkawire.Admin(self.brokers)
        admin.commit_offsets(self.hub.group + ".dlq-replay", admin.end_offsets(r"renkei\.if\.005\.dlq"))
        self.dlq_start = {p: o for (t, p), o in admin.end_offsets(r"renkei\.if\.005\.dlq").items()}

    def ctl(self, *args, check=True):
        proc = subprocess.run([RENKEICTL, "--config", str(self.hub.config_dir), *args], capture_output=True,
                              timeout=120, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise AssertionError(f"renkeictl {args} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
        return proc

    def api(self):
        return f"http://127.0.0.1:{self.hub.port}"

    def test_gaiji_mapped_then_unmapped_dead_lettered_fixed_and_replayed(self):
        hub = self.hub
        tag = h.unique("c")  # file names only: record bodies are names, never logged
        good = YAMADA + TARO + b"," + GAIJI_KATSU_IVS + b"\n" + YAMADA + b"," + GAIJI_YOSHI + b"\n"
        good_name = f"good-{tag}.csv"
        hub.drop(good_name, good, system=SOURCE, route=ROUTE)
        files = hub.wait_delivered(good_name, 120, system=TARGET, route=ROUTE)
        self.assertEqual(len(files), 1, files)
        self.assertEqual(files[0].read_bytes(),
                         jplus(0x5C71, 0x7530, 0x592A, 0x90CE) + b"," + jplus(0xAC01) + b"\n" +
                         jplus(0x5C71, 0x7530) + b"," + jplus(0xAC00) + b"\n")

        bad = YAMADA + b"\n" + YAMADA + b"," + GAIJI_UNMAPPED + b"\n" + TARO + b"\n"
        bad_name = f"bad-{tag}.csv"
        hub.drop(bad_name, bad, system=SOURCE, route=ROUTE)
        # Held whole: all three records and the end marker on the DLQ, original bytes.
        h.wait_for(lambda: len(h.read_topic(self.brokers, DLQ, self.dlq_start)) >= 4, 60,
                   "the held batch on the DLQ", on_timeout=hub.log_tail)
        dead = h.read_topic(self.brokers, DLQ, self.dlq_start)
        self.assertEqual(len(dead), 4, dead)
        by_seq = {m.headers.get("renkei-seq"): m for m in dead if "renkei-batch-end" not in m.headers}
        self.assertEqual(sorted(by_seq), ["1", "2", "3"])
        self.assertEqual([by_seq[s].value for s in ("1", "2", "3")], bad.split(b"\n")[:3])
        self.assertEqual(by_seq["2"].headers["renkei-dlq-reason"], "gaiji-unmapped")
        self.assertIn("field 'record' at byte 5", by_seq["2"].headers["renkei-dlq-detail"])
        self.assertEqual(by_seq["1"].headers["renkei-dlq-reason"], "batch-held")
        self.assertEqual(by_seq["3"].headers["renkei-dlq-reason"], "batch-held")
        self.assertEqual(hub.delivered(bad_name, system=TARGET, route=ROUTE), [])
        self.assertEqual(hub.metric("renkei_conversion_errors_total", interface="005", kind="gaiji-unmapped"), 1)

        # The operator sees them through the CLI (positions and reasons, no contents).
        listing = json.loads(self.ctl("dlq", "list", "5", "--api", self.api()).stdout)
        self.assertEqual(len(listing["entries"]), 4)
        self.assertEqual(sorted(e["reason"] for e in listing["entries"]),
                         ["batch-held", "batch-held", "batch-held", "gaiji-unmapped"])
        self.assertNotIn("value", listing["entries"][0])

        # Replay is an admin write: no token, no replay.
        req = urllib.request.Request(self.api() + "/api/v1/dlq/5/replay", method="POST", data=b"")
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=30)
        self.assertEqual(refused.exception.code, 401)

        # Fix the codemap, reload, replay: delivered once, mapped.
        with open(hub.codemaps_dir / "gaiji" / "resident-record.tsv", "ab") as f:
            f.write("F043\tMJ900029\tU+6E1A\n".encode("utf-8"))
        hub.signal(signal.SIGHUP)
        h.wait_for(lambda: hub.metric("renkei_config_reloads_total", outcome="success") == 1, 60,
                   "the reload with the new codemap", on_timeout=hub.log_tail)
        out = json.loads(self.ctl("dlq", "replay", "5", "--api", self.api()).stdout)
        self.assertEqual(out["replayed"], 4)
        files = hub.wait_delivered(bad_name, 120, system=TARGET, route=ROUTE)
        self.assertEqual(len(files), 1, files)
        self.assertEqual(files[0].read_bytes(),
                         jplus(0x5C71, 0x7530) + b"\n" + jplus(0x5C71, 0x7530) + b"," + jplus(0x6E1A) + b"\n" +
                         jplus(0x592A, 0x90CE) + b"\n")
        # Nothing left to replay, and a second replay delivers nothing twice.
        listing = json.loads(self.ctl("dlq", "list", "5", "--api", self.api()).stdout)
        self.assertEqual(listing["entries"], [])
        self.assertEqual(json.loads(self.ctl("dlq", "replay", "5", "--api", self.api()).stdout)["replayed"], 0)
        time.sleep(1)
        self.assertEqual(len(hub.delivered(bad_name, system=TARGET, route=ROUTE)), 1)
        log = hub.log_bytes()
        for body in (YAMADA, TARO, "山田".encode("utf-8")):
            self.assertNotIn(body, log, "record contents in the log")


if __name__ == "__main__":
    unittest.main()
