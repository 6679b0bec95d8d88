"""DLQ replay of a large backlog: bounded memory, resumable after kill -9 (issue 13).

test_replay_memory_is_bounded: 3000 dead letters of 20 KiB (60 MB) on route 15's DLQ are
replayed; renkeid's peak resident memory (VmHWM) grows by less than the backlog (a
replay that reads the DLQ into memory first grows by more than the 60 MB it holds).

Route 5 (住民記録 → 住基ネット via the GW server, profile jukinet): a file of 3000 records
of 20 KiB each, one of them with a gaiji the codemap lacks, is held whole, so 3001 dead
letters (records and end marker, ~60 MB) wait on renkei.if.005.dlq. The codemap is
fixed and renkeid restarted (a fresh process, so its VmHWM starts low). Then:

- test_replay_killed_midway_resumes: renkeid is killed (kill -9) while the replay is
  under way (some records already back on the route topic, the replay not finished);
  after a restart another `dlq replay` goes on from where the first had committed, and
  the file arrives exactly once, byte-identical, with no dead letter left waiting.
"""

import json
import os
import subprocess
import time
import unittest

import harness as h
import kafkawire
from harness import Hub

ROUTE = 5
SOURCE = "resident-record"
TARGET = "gw-server"
DLQ = "renkei.if.005.dlq"
ROUTE_TOPIC = "renkei.if.005"
RENKEICTL = os.environ["RENKEICTL"]

RECORDS = 3000
REPEAT = 2560                               # 山田太郎 (8 bytes CP932) × 2560 = 20 KiB
NAME = b"\x8e\x52\x93\x63\x91\xbe\x98\x59"   # 山田太郎 in CP932
GAIJI_UNMAPPED = b"\xf0\x43"                 # not in the shipped gaiji table
BAD_RECORD = 1500
# What the jukinet profile writes: each character's J+ code (sample table) in UTF-8.
NAME_OUT = "".join(chr(c) for c in (0x5C71, 0x7530, 0x592A, 0x90CE)).encode("utf-8")
GAIJI_OUT = chr(0x6E1A).encode("utf-8")     # after the codemap row F043 → U+6E1A

# The backlog is 3000 × 20 KiB ≈ 60 MB. A bounded replay holds one chunk (≤ 500 records /
# 4 MiB) and what its reader fetches ahead (4 MiB), beside the router's own fetch-ahead
# (16 MiB + one 8 MiB fetch) of the replayed records: about 32 MiB. Reading it all first
# holds all 60 MB at once, on top of the same.
MAX_GROWTH_KB = 40 * 1024


def record(i):
    body = NAME * REPEAT
    if i == BAD_RECORD:
        body = GAIJI_UNMAPPED + body[2:]
    return b"%06d," % i + body


def expected_output():
    out = []
    for i in range(1, RECORDS + 1):
        body = NAME_OUT * REPEAT
        if i == BAD_RECORD:
            # The gaiji took the place of 山's two bytes: 田太郎 of the first group remain.
            body = GAIJI_OUT + NAME_OUT[3:] + NAME_OUT * (REPEAT - 1)
        out.append(b"%06d," % i + body + b"\n")
    return b"".join(out)


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc/{pid}/status")


class DlqReplayBounded(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)
        self.hub = Hub(self, self.brokers, "replay")
        self.admin = kafkawire.Admin(self.brokers)
        # Dead letters of earlier runs stay on the DLQ: this hub's replay starts at its end.
        self.dlq_start = {p: o for (t, p), o in self.admin.end_offsets(r"renkei\.if\.005\.dlq").items()}
        self.admin.commit_offsets(self.hub.group + ".dlq-replay", self.admin.end_offsets(r"renkei\.if\.005\.dlq"))
        self.hub.start()

    def ctl(self, *args, check=True):
        proc = subprocess.run([RENKEICTL, "--config", str(self.hub.config_dir), *args], capture_output=True,
                              timeout=600, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise AssertionError(f"renkeictl {args} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}"
                                 + "\n" + self.hub.log_tail())
        return proc

    def api(self):
        return f"http://127.0.0.1:{self.hub.port}"

    def dlq_count(self):
        ends = self.admin.end_offsets(r"renkei\.if\.005\.dlq")
        return sum(o - self.dlq_start.get(p, 0) for (t, p), o in ends.items())

    def replay_position(self):
        ends = self.admin.end_offsets(r"renkei\.if\.005\.dlq")
        committed = self.admin.committed_offsets(self.hub.group + ".dlq-replay", list(ends))
        return sum(max(c, 0) - self.dlq_start.get(p, 0) for (t, p), c in committed.items())

    def hold_backlog(self, tag):
        """Drops the big file, waits until it is held whole on the DLQ, fixes the codemap
        and restarts renkeid. Returns the file's name."""
        name = f"big-{tag}.csv"
        self.hold_start_hwm = vm_hwm_kb(self.hub.proc.pid)
        self.hub.drop(name, b"\n".join(record(i) for i in range(1, RECORDS + 1)) + b"\n", system=SOURCE, route=ROUTE)
        h.wait_for(lambda: self.dlq_count() >= RECORDS + 1, 300, "the held batch on the DLQ",
                   on_timeout=self.hub.log_tail)
        time.sleep(1)
        self.assertEqual(self.dlq_count(), RECORDS + 1, "records and end marker, each once")
        self.assertEqual(self.hub.delivered(name, system=TARGET, route=ROUTE), [])
        print(f"\n[hold] VmHWM {self.hold_start_hwm} kB → {vm_hwm_kb(self.hub.proc.pid)} kB while the file was "
              "carried and held", flush=True)
        with open(self.hub.codemaps_dir / "gaiji" / "resident-record.tsv", "ab") as f:
            f.write("F043\tMJ900029\tU+6E1A\n".encode("utf-8"))
        self.hub.stop()
        self.hub.start()
        return name

    def assert_delivered_once(self, name):
        files = self.hub.wait_delivered(name, 300, system=TARGET, route=ROUTE)
        time.sleep(2)
        files = self.hub.delivered(name, system=TARGET, route=ROUTE)
        self.assertEqual(len(files), 1, files)
        self.assertEqual(h.sha256(files[0].read_bytes()), h.sha256(expected_output()), "byte-identical conversion")
        listing = json.loads(self.ctl("dlq", "list", "5", "--api", self.api()).stdout)
        self.assertEqual(listing["entries"], [], "nothing left waiting on the DLQ")

    def test_replay_memory_is_bounded(self):
        """Route 15 (住民記録 → コンビニ交付, realtime, http): 3000 dead letters of 20 KiB
        each (produced onto its DLQ from outside, as a day's failed events would be) are
        replayed while the http target is down, so the router takes no more of them than
        its consumer fetches ahead: what the replay itself holds is what is measured."""
        dlq = "renkei.if.015.dlq"
        start = {p: o for (t, p), o in self.admin.end_offsets(r"renkei\.if\.015\.dlq").items()}
        self.admin.commit_offsets(self.hub.group + ".dlq-replay", self.admin.end_offsets(r"renkei\.if\.015\.dlq"))
        tag = h.unique("e").encode()
        lines = b"".join(tag + b"-%06d," % i + b"A" * (20 * 1024) + b"\n" for i in range(RECORDS))
        produced = subprocess.run(["kcat", "-P", "-b", self.brokers, "-t", dlq, "-p", "0",
                                   "-H", "renkei-dlq-reason=delivery-failed"], input=lines, capture_output=True,
                                  timeout=300)
        self.assertEqual(produced.returncode, 0, produced.stderr.decode(errors="replace"))

        def waiting():
            ends = self.admin.end_offsets(r"renkei\.if\.015\.dlq")
            return sum(o - start.get(p, 0) for (t, p), o in ends.items())
        h.wait_for(lambda: waiting() >= RECORDS, 120, "the dead letters on the DLQ")
        before = vm_hwm_kb(self.hub.proc.pid)
        out = json.loads(self.ctl("dlq", "replay", "15", "--api", self.api()).stdout)
        after = vm_hwm_kb(self.hub.proc.pid)
        load = os.getloadavg()[0]
        print(f"\n[replay] VmHWM {before} kB → {after} kB (+{after - before} kB) replaying {RECORDS} dead letters "
              f"of 20 KiB; load average {load:.2f}; {out}", flush=True)
        self.assertLess(after - before, MAX_GROWTH_KB, f"peak memory grew by {after - before} kB during replay")
        self.assertEqual(out["replayed"], RECORDS)
        self.assertTrue(out["complete"])
        self.assertGreaterEqual(out["chunks"], RECORDS // 500, "500 records a chunk at most")
        ends = self.admin.end_offsets(r"renkei\.if\.015\.dlq")
        committed = self.admin.committed_offsets(self.hub.group + ".dlq-replay", list(ends))
        self.assertEqual(sum(c - start.get(p, 0) for (t, p), c in committed.items() if c >= 0), RECORDS,
                         "the replay position is at the end")
        self.assertTrue(self.hub.alive())

    def test_replay_killed_midway_resumes(self):
        name = self.hold_backlog(h.unique("k"))
        route_start = {p: o for (t, p), o in self.admin.end_offsets(r"renkei\.if\.005").items()}

        def replayed_onto_route():
            ends = self.admin.end_offsets(r"renkei\.if\.005")
            return sum(o - route_start.get(p, 0) for (t, p), o in ends.items())

        replay = subprocess.Popen([RENKEICTL, "--config", str(self.hub.config_dir), "dlq", "replay", "5",
                                   "--api", self.api()], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL)
        try:
            h.wait_for(lambda: replayed_onto_route() > 0, 120, "the first replayed records on the route topic",
                       interval=0.02, on_timeout=self.hub.log_tail)
            self.hub.kill9()
        finally:
            replay.wait(60)
        position = self.replay_position()
        print(f"\n[replay] killed with {replayed_onto_route()} records back on {ROUTE_TOPIC}, "
              f"replay position {position} of {RECORDS + 1}", flush=True)
        self.assertNotEqual(replay.returncode, 0, "the first replay must not have finished")
        self.assertLess(position, RECORDS + 1, "killed before the replay was complete")

        self.hub.start()
        out = json.loads(self.ctl("dlq", "replay", "5", "--api", self.api()).stdout)
        self.assertTrue(out["complete"])
        self.assertEqual(out["replayed"], RECORDS + 1 - position, "the second replay goes on from the position")
        self.assertEqual(self.replay_position(), RECORDS + 1)
        self.assert_delivered_once(name)


if __name__ == "__main__":
    unittest.main()
