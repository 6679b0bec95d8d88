"""Fault tests (ARCHITECTURE §2, §5): a crash or a broker outage in the middle of a batch
must end with every record delivered exactly once: one file at the target, byte for byte
the source's, never a second or a partial one, no temp file left behind.

Needs the real Kafka broker (RENKEI_TEST_BROKERS). test_b stops and restarts the broker
with scripts/kafka.sh (keeping its data) and makes sure it runs again at the end; test_d
sends SIGTERM while the broker is away and expects the exit by hub.stop_timeout_s.
RENKEI_FAULT_SEED=<n> replays test_a's kill schedule (the seed is printed on each run).

Run by ctest as `python3 -m unittest -v test_faults` from tests/integration.
"""

import os
import random
import re
import signal
import subprocess
import sys
import time
import unittest

import harness as h
from harness import Hub

IFACE = h.iface(h.ROUTE)
DLQ = f"renkei.if.{IFACE}.dlq"
RECORDS = 100_000


def note(text):
    print(f"[faults] {text}", file=sys.stderr, flush=True)


class FaultTestCase(h.HubTestCase):

    def dlq_start(self, brokers):
        admin = h.kafkawire.Admin(brokers)
        return {p: off for (t, p), off in admin.end_offsets(re.escape(DLQ)).items()}

    def assert_delivered_once(self, hub, files, brokers, dlq_start, route=h.ROUTE, target=h.TARGET):
        """Each source file: one final file at the target with its bytes, processed once at
        the source, a ledger entry; nothing else in the inbox; nothing of theirs on the DLQ."""
        delivered_names = []
        batches = []
        for name, data in files.items():
            got = hub.delivered(name, target, route)
            self.assertEqual(len(got), 1, f"{name}: {len(got)} files at the target: {[p.name for p in got]}")
            self.assertSameFile(got[0], data)
            batch = got[0].name[: -len("_" + name)]
            batches.append(batch)
            delivered_names.append(got[0].name)
            self.assertEqual(hub.processed_entries(name, route=route), [f"{batch}_{name}"],
                             f"{name} must be in processed/ once, under the delivered batch id")
            self.assertFalse((hub.outbox(route=route) / name).exists(), f"{name} is still in the outbox")
            self.assertEqual((hub.ledger(target, route) / batch).read_text(encoding="utf-8").strip(), got[0].name)
        # No temp file of any batch, no stray file.
        self.assertEqual(hub.inbox_entries(target, route), sorted(delivered_names))
        dlq = f"renkei.if.{h.iface(route)}.dlq"
        leftovers = [m for m in h.read_topic(brokers, dlq, dlq_start)
                     if m.headers.get("renkei-batch-id") in batches]
        self.assertEqual(leftovers, [], "records of delivered batches went to the dead-letter topic")


class KillNine(FaultTestCase):

    def test_a_kill9_mid_batch_delivers_exactly_once(self):
        brokers = h.need_brokers(self)
        seed = int(os.environ.get("RENKEI_FAULT_SEED") or random.SystemRandom().randrange(1, 2**31))
        note(f"kill schedule seed {seed} (RENKEI_FAULT_SEED={seed} replays it)")
        rng = random.Random(seed)
        dlq_start = self.dlq_start(brokers)
        hub = Hub(self, brokers, "kill9")

        files = {}

        def drop_next():
            name = f"resident-kill9-{len(files) + 1}.csv"
            data = h.make_file(RECORDS, h.unique("t"))
            files[name] = data
            hub.drop(name, data)
            return name

        # The file waits in the outbox; every run of renkeid below is killed at a random moment
        # 50-1500 ms after it starts, while the file is on its way. On a fast machine a batch
        # may get through before the kill: then the next file takes its place and the kills
        # come sooner (at most 80 % of the delay that was too late).
        current = drop_next()
        in_flight_kills = 0
        schedule = []
        latest = 1.5
        while in_flight_kills < 5:
            self.assertLess(len(schedule), 25, f"no 5 kills in flight after {len(schedule)} runs: {schedule}")
            started = time.monotonic()
            hub.start(wait_ready=False)
            delay = rng.uniform(0.05, latest)
            time.sleep(max(0.0, started + delay - time.monotonic()))
            self.assertTrue(hub.alive(), f"renkeid died on its own\n{hub.log_tail()}")
            state = {
                "delivered": bool(hub.delivered(current)),
                "source-done": bool(hub.processed_entries(current)),
                "temp-files": len([e for e in hub.inbox_entries() if e.endswith(".tmp")]),
            }
            hub.kill9()
            schedule.append((round(delay, 3), current, state))
            note(f"run {len(schedule)}: kill -9 after {delay * 1000:.0f} ms: {current} {state}")
            if state["delivered"]:
                self.assertLess(len(files), 6, f"batches keep getting through before the kill: {schedule}")
                latest = max(0.3, 0.8 * delay)
                current = drop_next()
            else:
                in_flight_kills += 1

        # Left alone, it finishes: every file exactly once.
        hub.start()
        for name in files:
            hub.wait_delivered(name, 180)
        # A crash right after the rename, before the offsets are committed, must not bring a
        # second file either: the restarted hub re-reads the batch and finds it delivered.
        hub.kill9()
        note("kill -9 right after the last delivery")
        hub.start()
        hub.wait_caught_up(120)
        # Sources re-read files that were on the bus but not marked done: let them settle too.
        h.wait_for(lambda: all(hub.processed_entries(n) for n in files), 60, "every source file in processed/",
                   on_timeout=hub.log_tail)
        hub.wait_caught_up(60)
        self.assert_delivered_once(hub, files, brokers, dlq_start)
        hub.stop()
        self.assert_delivered_once(hub, files, brokers, dlq_start)
        note(f"{len(schedule)} kills ({in_flight_kills} in flight), {len(files)} files of {RECORDS} records")


# Routes 9-12: 住民記録 → 国保, 子ども・子育て, 児童手当, 福祉医療; daily file routes, each
# target with its own delivery lane.
LANE_ROUTES = {9: "health-care", 10: "child-care", 11: "child-allowance", 12: "welfare-medical"}
LANE_RECORDS = 60_000


class KillNineLanes(FaultTestCase):

    def test_kill9_while_several_lanes_hold_open_batches_delivers_each_batch_once(self):
        brokers = h.need_brokers(self)
        seed = int(os.environ.get("RENKEI_FAULT_SEED") or random.SystemRandom().randrange(1, 2**31))
        note(f"lanes: kill schedule seed {seed} (RENKEI_FAULT_SEED={seed} replays it)")
        rng = random.Random(seed)
        admin = h.kafkawire.Admin(brokers)
        dlq_start = {}
        for r in LANE_ROUTES:
            dlq = f"renkei.if.{h.iface(r)}.dlq"
            dlq_start[dlq] = {p: off for (t, p), off in admin.end_offsets(re.escape(dlq)).items()}
        hub = Hub(self, brokers, "kill9-lanes")
        files = {r: {} for r in LANE_ROUTES}

        def drop_round():
            for r in LANE_ROUTES:
                name = f"resident-lanes-{r}-{len(files[r]) + 1}.csv"
                data = h.make_file(LANE_RECORDS, h.unique(f"l{r}"))
                files[r][name] = data
                hub.drop(name, data, route=r)

        def open_lanes(since):
            """Routes whose target is writing a batch in this run (a temp file in its inbox
            written since `since`; one left by an earlier kill does not count)."""
            out = []
            for r, t in LANE_ROUTES.items():
                for e in hub.inbox_entries(t, r):
                    try:
                        if e.endswith(".tmp") and (hub.inbox(t, r) / e).stat().st_mtime > since:
                            out.append(r)
                            break
                    except FileNotFoundError:
                        pass  # renamed meanwhile
            return out

        # One file per route waits in its outbox; each run is killed 0.2-2.5 s after it
        # starts. A kill counts when two or more lanes were writing a batch at that moment;
        # when every file got through first, a new round is dropped.
        drop_round()
        counted = 0
        schedule = []
        while counted < 3:
            self.assertLess(len(schedule), 30, f"no 3 kills with several lanes open after {len(schedule)} runs: "
                                               f"{schedule}")
            started, since = time.monotonic(), time.time()
            hub.start(wait_ready=False)
            deadline = started + rng.uniform(0.2, 2.5)
            seen_open = []
            while time.monotonic() < deadline:
                if len(open_lanes(since)) >= 2:
                    time.sleep(rng.uniform(0, 0.3))  # somewhere inside the batches
                    break
                time.sleep(0.01)
            seen_open = open_lanes(since)
            self.assertTrue(hub.alive(), f"renkeid died on its own\n{hub.log_tail()}")
            hub.kill9()
            done = [r for r, t in LANE_ROUTES.items() if all(hub.delivered(n, t, r) for n in files[r])]
            schedule.append((round(time.monotonic() - started, 3), seen_open, done))
            note(f"lanes run {len(schedule)}: kill -9 after {(time.monotonic() - started) * 1000:.0f} ms, "
                 f"open lanes {seen_open}, delivered {done}")
            if len(seen_open) >= 2:
                counted += 1
            if len(done) == len(LANE_ROUTES):
                self.assertLess(sum(len(f) for f in files.values()), 5 * len(LANE_ROUTES),
                                f"batches keep getting through before the kill: {schedule}")
                drop_round()

        hub.start()
        for r, t in LANE_ROUTES.items():
            for name in files[r]:
                hub.wait_delivered(name, 180, t, r)
        # Killed again right after the last rename, before every offset is committed: the
        # batches read again are found delivered, never written twice.
        hub.kill9()
        hub.start()
        for r in LANE_ROUTES:
            hub.wait_caught_up(120, route=r)
        h.wait_for(lambda: all(hub.processed_entries(n, route=r) for r in LANE_ROUTES for n in files[r]), 60,
                   "every source file in processed/", on_timeout=hub.log_tail)
        for r in LANE_ROUTES:
            hub.wait_caught_up(60, route=r)
        hub.stop()
        for r, t in LANE_ROUTES.items():
            self.assert_delivered_once(hub, files[r], brokers, dlq_start[f"renkei.if.{h.iface(r)}.dlq"], route=r,
                                       target=t)
        note(f"lanes: {len(schedule)} kills ({counted} with several lanes open), "
             f"{sum(len(f) for f in files.values())} files of {LANE_RECORDS} records on {len(LANE_ROUTES)} routes")


class BrokerOutage(FaultTestCase):

    def setUp(self):
        super().setUp()
        # Whatever happens, the broker runs again afterwards (the other tests need it).
        self.addCleanup(self._broker_back)

    def _broker_back(self):
        if not h.BROKERS or h.broker_answers():
            return
        note("cleanup: starting the broker again (keeping its data)")
        h.kafka_sh("start", "--keep")

    def test_b_broker_stop_and_restart_mid_batch(self):
        brokers = h.need_brokers(self)
        if not h.broker_answers():
            self.fail("scripts/kafka.sh status: the test broker is not running")
        dlq_start = self.dlq_start(brokers)
        hub = Hub(self, brokers, "outage")
        hub.start()
        hub.wait_assigned()

        # Large enough to be in the middle of its way when the broker goes (~10 s of work).
        name = "resident-outage.csv"
        data = h.make_file(10 * RECORDS, h.unique("t"))
        hub.drop(name, data)
        # Wait until both ends are busy: the target is building its temp file.
        h.wait_for(lambda: any(e.endswith(".tmp") for e in hub.inbox_entries()), 60,
                   "the target's temp file (the batch under way)", interval=0.02, on_timeout=hub.log_tail)
        t0 = time.monotonic()
        h.kafka_sh("stop")
        note(f"broker stopped ({time.monotonic() - t0:.1f} s)")
        self.assertEqual(hub.delivered(name), [], "the batch was through before the broker stopped: "
                                                  "the test did not test anything")
        self.assertFalse(h.broker_answers())
        time.sleep(5)
        self.assertTrue(hub.alive(), f"renkeid died while the broker was away\n{hub.log_tail()}")
        h.wait_for(lambda: hub.http_status("/readyz") == 503, 30, "/readyz to report the bus unreachable (503)",
                   on_timeout=lambda: f"/readyz: {hub.http_status('/readyz')}")
        self.assertEqual(hub.http_status("/healthz"), 200)

        t0 = time.monotonic()
        h.kafka_sh("start", "--keep")
        note(f"broker started again ({time.monotonic() - t0:.1f} s)")

        hub.wait_delivered(name, 300)
        self.assertTrue(hub.alive(), f"renkeid died\n{hub.log_tail()}")
        hub.wait_caught_up(120)
        h.wait_for(lambda: hub.processed_entries(name), 60, "the source file in processed/", on_timeout=hub.log_tail)
        h.wait_for(lambda: hub.http_status("/readyz") == 200, 30, "/readyz 200 again")
        self.assert_delivered_once(hub, {name: data}, brokers, dlq_start)
        m = hub.metrics()
        self.assertEqual(h.metric(m, "renkei_records_received_total", interface=IFACE, system=h.SOURCE), 10 * RECORDS)
        self.assertEqual(h.metric(m, "renkei_records_delivered_total", interface=IFACE, system=h.TARGET),
                         10 * RECORDS)
        hub.stop()

    def test_d_sigterm_with_the_broker_gone_exits_by_stop_timeout(self):
        """SIGTERM while the broker is away: the drain cannot flush or commit, and without
        hub.stop_timeout_s it waits until systemd's SIGKILL. With it renkeid exits 0 at the
        limit; what it had not committed is delivered once after the next start."""
        brokers = h.need_brokers(self)
        if not h.broker_answers():
            self.fail("scripts/kafka.sh status: the test broker is not running")
        limit = 8
        dlq_start = self.dlq_start(brokers)
        hub = Hub(self, brokers, "stop-timeout")
        text, n = re.subn(r"(?m)^(\s+stop_timeout_s:)\s*\d+", rf"\1 {limit}", hub.hub_yaml.read_text(encoding="utf-8"))
        self.assertEqual(n, 1, "hub.yaml: hub.stop_timeout_s")
        hub.hub_yaml.write_text(text, encoding="utf-8")
        hub.start()
        hub.wait_assigned()
        name = "resident-stop-timeout.csv"
        data = h.make_file(RECORDS, h.unique("s"))
        hub.drop(name, data)
        hub.wait_delivered(name, 120)

        h.kafka_sh("stop")
        self.assertFalse(h.broker_answers())
        t0 = time.monotonic()
        hub.signal(signal.SIGTERM)
        try:
            rc = hub.proc.wait(limit + 10)
        except subprocess.TimeoutExpired:
            self.fail(f"renkeid still running {time.monotonic() - t0:.0f} s after SIGTERM "
                      f"(hub.stop_timeout_s {limit})\n{hub.log_tail()}")
        waited = time.monotonic() - t0
        note(f"renkeid exited {rc} {waited:.1f} s after SIGTERM")
        self.assertEqual(rc, 0, hub.log_tail())
        # The deadline ended it, not a drain that happened to finish (the "stopping" line
        # names the key too).
        self.assertIn("did not finish within hub.stop_timeout_s", hub.run_log())

        h.kafka_sh("start", "--keep")
        hub.start()
        hub.wait_caught_up(120)
        self.assert_delivered_once(hub, {name: data}, brokers, dlq_start)
        hub.stop()


class FencedConsumer(FaultTestCase):

    def test_c_fenced_consumer_is_replaced_and_delivery_goes_on(self):
        """A second member with renkeid's static instance id fences renkeid's consumer, as
        the coordinator does after a broker outage longer than the session. librdkafka never
        recovers such a consumer by itself: renkeid must start a new one and deliver."""
        brokers = h.need_brokers(self)
        dlq_start = self.dlq_start(brokers)
        hub = Hub(self, brokers, "fenced")
        hub.start()
        hub.wait_assigned()
        intruder = subprocess.Popen(
            ["kcat", "-b", brokers, "-G", hub.group, "-X", f"group.instance.id={hub.instance}",
             "-X", "enable.auto.commit=false", "-X", "session.timeout.ms=6000", "-q", "-o", "end",
             f"renkei.if.{h.iface(h.ROUTE)}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            h.wait_for(lambda: "starting a new one" in hub.run_log(), 90,
                       "renkeid to replace its fenced consumer", on_timeout=hub.log_tail)
        finally:
            intruder.terminate()
            intruder.wait(30)
        self.assertRegex(hub.run_log(), r"the consumer failed for good \(.*FENCED")
        name = "resident-fenced.csv"
        data = h.make_file(2_000, h.unique("f"))
        hub.drop(name, data)
        hub.wait_delivered(name, 120)
        self.assertTrue(hub.alive(), hub.log_tail())
        self.assert_delivered_once(hub, {name: data}, brokers, dlq_start)

if __name__ == "__main__":
    unittest.main()
