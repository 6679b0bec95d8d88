"""A host's file end to end on the real broker (issue 16): route 18 with its source made a
mainframe — EBCDIC ibm-930 (SO/SI double-byte), fixed-width records back to back with no
separators (RECFM=FB, layout framing: none), amounts in packed decimal (COMP-3) and counts
in zoned decimal — arrives at its target as a CP932 CSV, byte-exact against an expected
file made here with ICU's own converter (uconv, Debian's icu-devtools). A file that ends
inside a record is refused, never delivered in part."""

import re
import subprocess
import unittest

import harness as h
from harness import Hub
from test_scheduled_collect import edit_route

ROUTE = 18
SOURCE = "child-allowance"
TARGET = "resident-record"
LAYOUT = """format: fixed
framing: none
write_as: csv
fields:
  - {name: name, offset: 0, length: 12}
  - {name: amount, offset: 12, length: 5, type: packed, scale: 2}
  - {name: children, offset: 17, length: 3, type: zoned, signed: false}
"""


def icu(text, charset):
    """`text` in `charset`, by ICU's converter itself (no substitution: uconv stops)."""
    return subprocess.run(["uconv", "-f", "UTF-8", "-t", charset, "--callback", "stop"], input=text.encode("utf-8"),
                          capture_output=True, check=True).stdout


def packed(value_cents, length):
    digits = f"{abs(value_cents):0{2 * length - 1}d}"
    nibbles = digits + ("D" if value_cents < 0 else "C")
    return bytes.fromhex(nibbles)


def zoned_unsigned(value, length):
    return bytes(0xF0 + int(d) for d in f"{value:0{length}d}")


def name_field(text):
    data = icu(text, "ibm-930")
    assert len(data) <= 12, data
    return data + b"\x40" * (12 - len(data))  # padded with EBCDIC spaces


class HostCodes(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)
        self.hub = Hub(self, self.brokers, "host")
        systems = self.hub.config_dir / "systems.yaml"
        text = systems.read_text(encoding="utf-8")
        start = text.index(f"  - id: {SOURCE}\n")
        block_end = text.find("\n  - id: ", start + 1)
        block = re.sub(r"charset: \S+", "charset: ibm-930", text[start:block_end], count=1)
        systems.write_text(text[:start] + block + text[block_end:], encoding="utf-8")
        (self.hub.config_dir / "layouts").mkdir(exist_ok=True)
        (self.hub.config_dir / "layouts" / "host-record.yaml").write_text(LAYOUT, encoding="utf-8")
        edit_route(self.hub, ROUTE, "conversion:", "    layout: host-record")
        self.hub.start()

    def test_ebcdic_packed_records_arrive_as_cp932_csv(self):
        hub = self.hub
        rows = [("山田太郎", 1512345, 2), ("ヤマダ", -5, 0), ("ABC", 0, 12)]
        data = b"".join(name_field(n) + packed(c, 5) + zoned_unsigned(k, 3) for n, c, k in rows)
        self.assertEqual(len(data), 20 * len(rows))
        self.assertIn(b"\x15", data)  # a packed byte that is EBCDIC's newline: no line framing would do
        name = f"host-{h.unique('x')}.dat"
        hub.drop(name, data, system=SOURCE, route=ROUTE)
        files = hub.wait_delivered(name, 120, system=TARGET, route=ROUTE)
        expected = icu("山田太郎,15123.45,2\nヤマダ,-0.05,0\nABC,0.00,12\n", "ibm-943_P15A-2003")
        self.assertEqual([f.read_bytes() for f in files], [expected])

        # A file that stops inside its last record is not delivered at all.
        short = f"short-{h.unique('x')}.dat"
        hub.drop(short, data[:-7], system=SOURCE, route=ROUTE)
        h.wait_for(lambda: "ends 13 bytes into a record" in hub.run_log(), 60, "the refusal of the short file",
                   on_timeout=hub.log_tail)
        self.assertEqual(hub.delivered(short, system=TARGET, route=ROUTE), [])


if __name__ == "__main__":
    unittest.main()
