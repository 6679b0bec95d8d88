"""Routes through a via hop (GWサーバ経由), end to end on the real broker (issue 4).

The GW server's adapter carries the far end of its routes; 住基ネット's own spool is
never used for them:
- route 5 (住民記録 → 住基ネット, daily, profile jukinet): a Windows-31J file dropped into
  resident-record's outbox/005 arrives in gw-server's inbox/005, converted to 住基ネット
  統一文字 for 住基ネット — nothing appears in jukinet's inbox;
- route 21 (住基ネット → 住民記録, realtime, profile utf8): a UTF-8 file the GW server puts
  into its outbox/021 arrives in resident-record's inbox/021 in Windows-31J; on the
  topic its records still say renkei-source=jukinet and jukinet's charset.

Run by ctest as `python3 -m unittest -v test_via_route` from tests/integration with
RENKEID, RENKEICTL, RENKEI_SOURCE_DIR and RENKEI_TEST_BROKERS in the environment. The
harness's hub collects scheduled files on arrival, so route 5's file moves at once.
"""

import json
import subprocess
import unittest

import harness as h
import kafkawire
from harness import Hub

RESIDENT = "resident-record"
JUKINET = "jukinet"
HOP = "gw-server"

YAMADA = "山田"
TARO = "太郎"


def jplus(*codes):
    """What the jukinet profile writes for these 住基ネット統一文字 codes (sample table)."""
    return "".join(chr(c) for c in codes).encode("utf-8")


class ViaRoute(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)
        self.hub = Hub(self, self.brokers, "via")
        self.hub.start()
        # Where this test's records on route 21 begin (renkeid has created the topics).
        self.start21 = {p: o for (t, p), o in
                        kafkawire.Admin(self.brokers).end_offsets(r"renkei\.if\.021").items()}

    def test_the_catalogue_names_the_hop_as_carrier(self):
        proc = subprocess.run([h.RENKEICTL, "--config", str(self.hub.config_dir), "interfaces", "--json"],
                              capture_output=True, timeout=60, check=True)
        routes = {r["id"]: r for r in json.loads(proc.stdout)}
        self.assertEqual(routes[5]["carriers"], {"source": RESIDENT, "target": HOP})
        self.assertEqual(routes[21]["carriers"], {"source": HOP, "target": RESIDENT})

    def test_route_5_is_delivered_into_the_gw_server_converted_for_jukinet(self):
        hub = self.hub
        name = f"send-{h.unique('v')}.csv"
        data = (YAMADA + TARO + "," + TARO + "\n" + YAMADA + "\n").encode("cp932")
        hub.drop(name, data, system=RESIDENT, route=5)
        files = hub.wait_delivered(name, 120, system=HOP, route=5)
        self.assertEqual(len(files), 1, files)
        self.assertEqual(files[0].read_bytes(),
                         jplus(0x5C71, 0x7530, 0x592A, 0x90CE) + b"," + jplus(0x592A, 0x90CE) + b"\n" +
                         jplus(0x5C71, 0x7530) + b"\n")
        self.assertEqual(hub.inbox_entries(system=HOP, route=5), [files[0].name])
        # The hop's ledger records the delivery; 住基ネット's spool and ledger were not used.
        batch = files[0].name[: -len("_" + name)]
        self.assertEqual((hub.ledger(system=HOP, route=5) / batch).read_text(encoding="utf-8"), files[0].name)
        self.assertFalse((hub.spool / JUKINET).exists(), "住基ネット's spool was opened")
        self.assertFalse(hub.ledger(system=JUKINET, route=5).exists())

        # Metrics: the interface counts as before, for the route's own systems; the adapter
        # doing the work is the hop's.
        dlvd = dict(name="renkei_records_delivered_total", interface="005", system=JUKINET)
        h.wait_for(lambda: hub.metric(**dlvd) == 2, 15, "route 5 delivered metric", on_timeout=hub.log_tail)
        m = hub.metrics()
        self.assertEqual(h.metric(m, "renkei_records_received_total", interface="005", system=RESIDENT), 2)
        self.assertIsNone(h.metric(m, "renkei_records_delivered_total", interface="005", system=HOP))
        self.assertEqual(h.metric(m, "renkei_adapter_up", system=HOP), 1)
        hub.wait_caught_up(30, route=5)
        hub.stop()

    def test_route_21_is_collected_from_the_gw_server_as_jukinet_s(self):
        hub = self.hub
        name = f"movein-{h.unique('v')}.txt"
        data = (YAMADA + "," + TARO + "\n").encode("utf-8")
        hub.drop(name, data, system=HOP, route=21)
        files = hub.wait_delivered(name, 120, system=RESIDENT, route=21)
        self.assertEqual(len(files), 1, files)
        self.assertEqual(files[0].read_bytes(), (YAMADA + "," + TARO + "\n").encode("cp932"))
        h.wait_for(lambda: hub.processed_entries(name, system=HOP, route=21), 30,
                   "the file in gw-server's outbox/021/processed")

        # On the topic the records are 住基ネット's, in its charset: the hop only carried them.
        topic = h.read_topic(self.brokers, "renkei.if.021", self.start21)
        ours = [m for m in topic if m.headers.get("renkei-batch-id") == files[0].name[: -len("_" + name)]]
        first = [m for m in ours if m.headers.get("renkei-seq") == "1"]
        self.assertEqual(len(first), 1, ours)
        self.assertEqual(first[0].headers["renkei-source"], JUKINET)
        self.assertEqual(first[0].headers["renkei-charset"], "UTF-8")
        self.assertEqual(first[0].headers["renkei-interface"], "021")

        recv = dict(name="renkei_records_received_total", interface="021", system=JUKINET)
        h.wait_for(lambda: hub.metric(**recv) == 1, 15, "route 21 received metric", on_timeout=hub.log_tail)
        self.assertIsNone(hub.metric("renkei_records_received_total", interface="021", system=HOP))
        self.assertEqual(hub.metric("renkei_records_delivered_total", interface="021", system=RESIDENT), 1)
        hub.wait_caught_up(30, route=21)
        hub.stop()


if __name__ == "__main__":
    unittest.main()
