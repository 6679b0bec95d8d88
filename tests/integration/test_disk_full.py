"""A full target disk (real broker, a small tmpfs as health-care's inbox).

The file sink writes a temp file, fsyncs it and its directory, writes the ledger entry,
renames. When the inbox's file system is full the write fails: renkeid must leave no
half-written file and no ledger entry, back off, and deliver the batch exactly once,
byte for byte, as soon as there is room again.
"""

import os
import subprocess
import time
import unittest

import harness as h
from harness import Hub, ROUTE


class DiskFull(h.HubTestCase):
    def test_a_full_inbox_delays_the_batch_and_loses_or_repeats_nothing(self):
        brokers = h.need_brokers(self)
        if os.geteuid() != 0:
            self.skipTest("mounting a small tmpfs needs root (CI runs as root)")
        hub = Hub(self, brokers, "disk-full")
        inbox_root = hub.spool / "health-care" / "inbox"
        inbox_root.mkdir(parents=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "renkei-test-full", str(inbox_root)],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, f"mount tmpfs: {r.stderr}")
        self.addCleanup(lambda: subprocess.run(["umount", "-l", str(inbox_root)]))
        filler = inbox_root / "filler"
        # Leave about 32 KiB free: the 200 KB batch below cannot fit.
        st = os.statvfs(inbox_root)
        with open(filler, "wb") as f:
            f.write(b"\0" * (st.f_bavail * st.f_frsize - 32 * 1024))
        hub.start()
        hub.wait_assigned()

        data = h.make_file(2500, "disk-full")
        self.assertGreater(len(data), 150_000)
        hub.drop("full.csv", data)
        iface = f"{ROUTE:03d}"
        h.wait_for(lambda: (hub.metric("renkei_delivery_retries_total", interface=iface) or 0) >= 2, 60,
                   "renkeid retrying the full inbox", on_timeout=hub.log_tail)
        # Nothing half-delivered: no final file, no ledger entry, no temp file left behind
        # between attempts (an attempt's temp file is removed when it fails).
        self.assertEqual(hub.delivered("full.csv"), [])
        ledger = hub.ledger()
        self.assertEqual(sorted(os.listdir(ledger)) if ledger.exists() else [], [], "a ledger entry for a batch not on disk")
        self.assertTrue(hub.alive())

        filler.unlink()
        delivered = hub.wait_delivered("full.csv", 120)
        self.assertEqual(len(delivered), 1)
        self.assertSameFile(delivered[0], data)
        time.sleep(3)
        self.assertEqual(len(hub.delivered("full.csv")), 1, "delivered twice")
        self.assertEqual([e for e in hub.inbox_entries() if e.startswith(".")], [], "a temp file left behind")
        self.assertEqual(len(os.listdir(hub.ledger())), 1)
        hub.stop()


if __name__ == "__main__":
    unittest.main()
