"""A hostile outbox (ARCHITECTURE §2 "Untrusted input": spools take regular files only).

Route 9 (resident-record → health-care): next to one normal file, the outbox holds a
symbolic link to a canary file outside the spool, a FIFO, a directory and a file whose
name is not valid UTF-8. The normal file must arrive exactly once; the canary's bytes
must appear nowhere the hub writes, and the canary must be untouched; each hostile
entry is refused, counted once in renkei_spool_refused_total (every reason of every
file-spool route exported at 0 from the start), shown on the status API and page (取込拒否)
and left where it is; the hub keeps running.

Run by ctest as `python3 -m unittest -v test_hostile_spool` from tests/integration with
RENKEID, RENKEICTL, RENKEI_SOURCE_DIR and RENKEI_TEST_BROKERS in the environment.
"""

import hashlib
import json
import os
import time
import unittest

import harness as h
from harness import Hub, ROUTE

IFACE = h.iface(ROUTE)
BAD_NAME = b"bad\xff\xfe-name.csv"


def snapshot(d):
    """Names, sizes, mtimes and content hashes of a directory tree, links not followed."""
    out = {}
    for root, dirs, files in os.walk(d):
        for n in sorted(dirs + files):
            p = os.path.join(root, n)
            st = os.lstat(p)
            digest = None
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            out[os.path.relpath(p, d)] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return out


def all_bytes_under(d):
    """Every regular file's bytes under d (links and special files not followed)."""
    chunks = []
    for root, _dirs, files in os.walk(d):
        for n in files:
            p = os.path.join(root, n)
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    chunks.append(f.read())
    return b"".join(chunks)


class HostileSpool(h.HubTestCase):

    def test_only_the_regular_file_is_carried_and_the_rest_is_refused_once(self):
        hub = Hub(self, h.need_brokers(self), "hostile-spool")
        canary_tag = h.unique("CANARY")
        canary_dir = hub.tmp / "canary"
        canary_dir.mkdir()
        canary = canary_dir / "secrets.csv"
        canary.write_bytes(b"".join(h.record(i, canary_tag) + b"\n" for i in range(1, 4)))
        before = snapshot(canary_dir)

        outbox = hub.outbox()
        outbox.mkdir(parents=True, exist_ok=True)
        os.symlink(canary, outbox / "link.csv")
        os.mkfifo(outbox / "pipe.csv")
        (outbox / "folder.csv").mkdir()
        bad_tag = h.unique("BADNAME")
        bad_path = os.path.join(os.fsencode(outbox), BAD_NAME)
        with open(bad_path, "wb") as f:
            f.write(h.record(1, bad_tag) + b"\n")

        hub.start()
        # Every refusal series of every file-spool route exists at 0 from the first scrape
        # (route 2 is another of 住民記録's outboxes, with nothing refused).
        first = hub.metrics()
        all_reasons = ("symlink", "fifo", "device", "socket", "directory", "other-type", "bad-name", "swapped",
                       "too-large")
        self.assertEqual({r: h.metric(first, "renkei_spool_refused_total", interface="002", reason=r)
                          for r in all_reasons}, {r: 0.0 for r in all_reasons})
        tag = h.unique("t")
        data = h.make_file(20, tag)
        hub.drop("normal.csv", data)
        files = hub.wait_delivered("normal.csv", 120)
        self.assertEqual(len(files), 1, files)
        self.assertSameFile(files[0], data)

        def refused(reason):
            return hub.metric("renkei_spool_refused_total", interface=IFACE, reason=reason)

        # The other refusals first, so that a followed link shows as canary bytes delivered.
        others = ("fifo", "directory", "bad-name")
        h.wait_for(lambda: all(refused(r) == 1 for r in others), 30, "the refusals counted",
                   on_timeout=lambda: repr({r: refused(r) for r in others}))
        time.sleep(2)  # many scans later

        # Exactly the normal file was delivered; nothing of the canary or the bad-named file.
        self.assertEqual(hub.inbox_entries(), [files[0].name])
        for where in (hub.inbox(), hub.processed(), hub.state):
            written = all_bytes_under(where)
            self.assertNotIn(canary_tag.encode(), written, f"canary bytes under {where}")
            self.assertNotIn(bad_tag.encode(), written, f"the bad-named file's bytes under {where}")
        self.assertEqual(snapshot(canary_dir), before, "the canary directory changed")

        # Counted once each, not on every scan.
        reasons = ("symlink",) + others
        self.assertEqual({r: refused(r) for r in reasons}, {r: 1 for r in reasons})
        self.assertEqual({r: refused(r) for r in all_reasons if r not in reasons},
                         {r: 0 for r in all_reasons if r not in reasons})
        self.assertTrue(hub.alive(), "renkeid died")

        # The operator sees them on the status API and page: per route, by reason, when.
        _, body = hub.http_get("/api/v1/interfaces")
        api = json.loads(body)
        row = next(r for r in api["interfaces"] if r["id"] == ROUTE)
        self.assertEqual(row["spool_refused"]["total"], 4)
        self.assertEqual(row["spool_refused"]["by_reason"], {r: 1 for r in reasons})
        self.assertIsNotNone(row["spool_refused"]["last"])
        self.assertEqual(next(r for r in api["interfaces"] if r["id"] == 2)["spool_refused"]["total"], 0)
        self.assertEqual(api["summary"]["with_spool_refusals"], 1)
        _, page = hub.http_get("/")
        self.assertRegex(page, r'id="if-009"[^\n]*<td class="num refused bad" title="bad-name: 1, directory: 1, '
                               r'fifo: 1, symlink: 1 \(最終 [^"]+\)">4</td>')

        # The refused entries are where they were.
        self.assertTrue(os.path.islink(outbox / "link.csv"))
        self.assertTrue((outbox / "pipe.csv").is_fifo())
        self.assertTrue((outbox / "folder.csv").is_dir())
        self.assertTrue(os.path.isfile(bad_path))
        h.wait_for(lambda: hub.processed_entries("normal.csv"), 30, "normal.csv in processed/")
        self.assertEqual(sorted(os.listdir(hub.processed())), hub.processed_entries("normal.csv"))

        # The log names the kind of entry, never the raw name or the contents.
        log = hub.log_bytes()
        self.assertIn(b"symbolic link", log)
        self.assertIn(b"FIFO", log)
        self.assertNotIn(BAD_NAME, log)
        self.assertNotIn(canary_tag.encode(), log)
        self.assertNotIn(tag.encode(), log)
        self.assertTrue(hub.alive(), "renkeid died")


if __name__ == "__main__":
    unittest.main()
