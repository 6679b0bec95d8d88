"""The scheduler on the real broker, driven from outside (issue 6).

The daemon's clock is moved with RENKEI_TEST_CLOCK (a start instant in Asia/Tokyo) so
that the nightly 22:00 run of route 9 (住民記録 → 健康管理, daily, skip non-business
days) comes within seconds; everything else is real: renkei.state on the broker, the
scheduler group's leader election, files in spool directories, the CLI and the API.

- a daily route's file waits in the outbox until 22:00, then moves once;
- stopped across two occurrences, the hub makes up each missed run once on restart, and
  a second restart makes up nothing;
- two renkeid of one cluster: the occurrence runs once; killing the leader hands the
  schedules over without running the date again;
- a manual row (route 17, 住民記録 → VRS, 手動 daily) falls due and is overdue, is run from the CLI,
  acknowledged, both actions are in the audit log, and its overdue gauge goes 1 → 0;
  an unauthenticated run request gets 401 and is audited too.

Run by ctest as `python3 -m unittest -v test_scheduler` from tests/integration.
"""

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request

import harness as h
from harness import Hub, ROUTE, SOURCE

IFACE = h.iface(ROUTE)
MANUAL_ROUTE = 17   # 住民記録 → VRS: manual, daily "0 22 * * *" skip
MANUAL_TARGET = "vrs"
RENKEICTL = os.environ["RENKEICTL"]

# Wednesday 2026-11-25 is a business day; Thursday 26 and Friday 27 too.
WED = "2026-11-25"


def clock(at, rate=1):
    env = dict(os.environ)
    env["RENKEI_TEST_CLOCK"] = at
    env["RENKEI_TEST_CLOCK_RATE"] = str(rate)
    return env


def runs(hub, route=ROUTE):
    status, body = hub.http_get(f"/api/v1/interfaces/{route}/runs")
    assert status == 200, body
    return json.loads(body)


def run_states(hub, route=ROUTE):
    return {r["business_date"]: r for r in runs(hub, route)["runs"]}


def started_lines(hub, run_id):
    return re.findall(rf"run {run_id} started", hub.run_log())


class ScheduledRoute(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)

    def test_daily_run_fires_at_its_time_and_catches_up_after_downtime(self):
        hub = Hub(self, self.brokers, "sched", collect="at-run")
        tag = h.unique("s")
        wed = h.make_file(200, tag)
        hub.drop("nightly-wed.csv", wed)
        hub.start(env=clock(f"{WED}T21:59:30+09:00"))

        # Before 22:00 the file waits in the outbox (at-run).
        time.sleep(5)
        self.assertEqual(hub.delivered("nightly-wed.csv"), [])
        self.assertTrue((hub.outbox() / "nightly-wed.csv").exists())

        files = hub.wait_delivered("nightly-wed.csv", 90)
        self.assertEqual(len(files), 1)
        self.assertSameFile(files[0], wed)
        h.wait_for(lambda: run_states(hub).get(WED, {}).get("state") == "succeeded", 30, "run 009-20261125 to succeed",
                   on_timeout=hub.log_tail)
        run = run_states(hub)[WED]
        self.assertEqual(run["id"], f"{IFACE}-20261125")
        self.assertEqual(run["trigger"], "schedule")
        self.assertEqual((run["files"], run["records"]), (1, 200))
        self.assertEqual(hub.metric("renkei_job_runs_total", interface=IFACE, outcome="succeeded"), 1)
        self.assertGreater(hub.metric("renkei_job_last_success_timestamp_seconds", interface=IFACE), 0)
        # The next run is Thursday 22:00 JST = 2026-11-26T13:00:00Z.
        self.assertEqual(hub.metric("renkei_job_next_run_timestamp_seconds", interface=IFACE), 1795698000)
        listed = {i["id"]: i for i in json.loads(hub.http_get("/api/v1/interfaces")[1])["interfaces"]}
        self.assertEqual(listed[ROUTE]["next_run"], "2026-11-26T22:00:00+09:00")
        self.assertTrue(listed[ROUTE]["last_run"].startswith(f"{WED}T22:0"), listed[ROUTE]["last_run"])
        hub.stop()

        # Down across Thursday's and Friday's 22:00; a file waits for Thursday's run.
        thu = h.make_file(50, tag + "-thu")
        hub.drop("nightly-thu.csv", thu)
        hub.start(env=clock("2026-11-27T23:00:00+09:00"))
        h.wait_for(lambda: all(run_states(hub).get(d, {}).get("state") in ("succeeded", "missing")
                               for d in ("2026-11-26", "2026-11-27")),
                   60, "the two missed runs to finish", on_timeout=hub.log_tail)
        states = run_states(hub)
        self.assertEqual(states["2026-11-26"]["trigger"], "catch-up")
        self.assertEqual(states["2026-11-27"]["trigger"], "catch-up")
        # Thursday's run took the waiting file; Friday found nothing by its deadline.
        self.assertEqual(states["2026-11-26"]["state"], "succeeded")
        self.assertEqual(states["2026-11-27"]["state"], "missing")
        self.assertEqual(len(hub.wait_delivered("nightly-thu.csv", 30)), 1)
        self.assertEqual(len(started_lines(hub, f"{IFACE}-20261126")), 1)
        self.assertEqual(len(started_lines(hub, f"{IFACE}-20261127")), 1)
        self.assertEqual(hub.metric("renkei_job_runs_total", interface=IFACE, outcome="missing"), 1)
        self.assertIn(f"route {IFACE}: run {IFACE}-20261127 missing", hub.run_log())
        hub.stop()

        # A restart later the same night makes nothing up again.
        hub.start(env=clock("2026-11-27T23:30:00+09:00"))
        time.sleep(5)
        self.assertEqual(sorted(run_states(hub)), [WED, "2026-11-26", "2026-11-27"])
        self.assertNotRegex(hub.run_log(), rf"run {IFACE}-2026112[567] started")
        self.assertEqual(len(hub.delivered("nightly-wed.csv")), 1)
        self.assertEqual(len(hub.delivered("nightly-thu.csv")), 1)
        hub.stop()

    def test_two_hubs_run_an_occurrence_once_and_hand_over(self):
        a = Hub(self, self.brokers, "lead", collect="at-run")
        b = Hub(self, self.brokers, "lead", collect="at-run", peer=a)
        tag = h.unique("l")
        data = h.make_file(100, tag)
        a.drop("nightly-two.csv", data)
        a.start(env=clock(f"{WED}T21:59:30+09:00"))
        b.start(env=clock(f"{WED}T21:59:30+09:00"))
        leader_line = "scheduler: this hub now runs the cluster's schedules"
        h.wait_for(lambda: leader_line in a.run_log() or leader_line in b.run_log(), 60, "a scheduler leader")

        files = a.wait_delivered("nightly-two.csv", 90)
        self.assertEqual(len(files), 1)
        h.wait_for(lambda: run_states(a).get(WED, {}).get("state") == "succeeded", 30, "the run to succeed")
        # Both hubs read the same state: one run, started by one of them.
        self.assertEqual(run_states(b)[WED]["id"], f"{IFACE}-20261125")
        run_id = f"{IFACE}-20261125"
        starts = len(started_lines(a, run_id)) + len(started_lines(b, run_id))
        self.assertEqual(starts, 1, "the occurrence started on both hubs")
        leader, follower = (a, b) if started_lines(a, run_id) else (b, a)

        # Kill the leader: the follower takes the schedules over and does not run the date again.
        leader.kill9()
        h.wait_for(lambda: leader_line in follower.run_log(), 60, "the follower to take over",
                   on_timeout=follower.log_tail)
        time.sleep(3)
        self.assertEqual(started_lines(follower, run_id), [])
        self.assertEqual(run_states(follower)[WED]["state"], "succeeded")
        self.assertEqual(len(follower.delivered("nightly-two.csv")), 1)
        follower.stop()


class ManualRoute(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)

    def ctl(self, hub, *args, user="tanaka", token=None):
        """token: a person's token file (default: the hub token, role admin)."""
        env = {k: v for k, v in os.environ.items() if k not in ("SUDO_USER", "LOGNAME")}
        env["USER"] = user
        return subprocess.run([RENKEICTL, *args, "--config", str(hub.config_dir),
                               "--api", f"http://127.0.0.1:{hub.port}",
                               "--token-file", str(token or hub.state / "api-token")],
                              capture_output=True, text=True, timeout=120, env=env)

    def person(self, hub, name, role):
        """Adds `name` to the hub's users.yaml with renkeictl and returns their token file."""
        add = subprocess.run([RENKEICTL, "user", "add", name, "--role", role, "--no-password",
                              "--config", str(hub.config_dir)], capture_output=True, text=True, timeout=60)
        self.assertEqual(add.returncode, 0, add.stdout + add.stderr)
        token = hub.tmp / f"{name}.token"
        made = subprocess.run([RENKEICTL, "token", "create", name, "-o", str(token), "--config", str(hub.config_dir)],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(made.returncode, 0, made.stdout + made.stderr)
        self.assertEqual(made.stdout, "")  # written to the file only
        return token

    def test_manual_row_is_run_acknowledged_and_audited(self):
        hub = Hub(self, self.brokers, "manual", collect="at-run")
        data = h.make_file(30, h.unique("m"))
        hub.drop("vrs-export.csv", data, route=MANUAL_ROUTE)
        # The hub first sees the route at 21:59:30; Wednesday's 22:00 hand-off falls due
        # 30 s later (an occurrence before a hub knew the route is nobody's overdue).
        tanaka = self.person(hub, "tanaka", "operator")
        sato = self.person(hub, "sato", "viewer")
        hub.start(env=clock(f"{WED}T21:59:30+09:00"))
        mr = h.iface(MANUAL_ROUTE)
        # Published by the scheduler's first pass over renkei.state.
        h.wait_for(lambda: hub.metric("renkei_manual_overdue", interface=mr) == 0, 20, "the gauge at 0 before 22:00",
                   on_timeout=hub.log_tail)
        h.wait_for(lambda: hub.metric("renkei_manual_overdue", interface=mr) == 1, 60, "the overdue gauge",
                   on_timeout=hub.log_tail)
        # Manual rows never move by themselves.
        time.sleep(2)
        self.assertEqual(hub.delivered("vrs-export.csv", system=MANUAL_TARGET, route=MANUAL_ROUTE), [])

        # Without the token: 401, and the refusal is audited.
        req = urllib.request.Request(f"http://127.0.0.1:{hub.port}/api/v1/interfaces/{MANUAL_ROUTE}/run",
                                     data=b'{"operator": "mallory"}', method="POST")
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(refused.exception.code, 401)
        # Whatever the route: the token is checked first (ARCHITECTURE §4, issue 7).
        for path in ("/api/v1/interfaces/1/run", "/api/v1/interfaces/1/ack"):
            with self.assertRaises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{hub.port}{path}", data=b"{}",
                                                              method="POST"), timeout=10)
            self.assertEqual(refused.exception.code, 401, path)

        # A viewer may look but not run: 403, audited under the viewer's own name.
        viewer = self.ctl(hub, "run", str(MANUAL_ROUTE), user="mallory", token=sato)
        self.assertEqual(viewer.returncode, 1, viewer.stdout + viewer.stderr)
        self.assertIn("HTTP 403", viewer.stderr)
        self.assertIn("needs role operator; sato is viewer", viewer.stderr)
        listing = self.ctl(hub, "dlq", "list", str(MANUAL_ROUTE), token=sato)
        self.assertEqual(listing.returncode, 0, listing.stdout + listing.stderr)

        # tanaka's own token: the audit names tanaka, whatever name the client claims.
        r = self.ctl(hub, "run", str(MANUAL_ROUTE), user="mallory", token=tanaka)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + hub.log_tail())
        self.assertIn(f"{mr}-20261125 succeeded", r.stdout)
        files = hub.wait_delivered("vrs-export.csv", 30, system=MANUAL_TARGET, route=MANUAL_ROUTE)
        self.assertEqual(len(files), 1)
        # VRS takes UTF-8: the same records, transcoded (conversion none).
        self.assertEqual(files[0].read_bytes().decode("utf-8"), data.decode("cp932"))
        # Run, but the hand-off is not acknowledged yet.
        self.assertEqual(hub.metric("renkei_manual_overdue", interface=mr), 1)

        # The same date again delivers nothing twice.
        again = self.ctl(hub, "run", str(MANUAL_ROUTE), "--date", WED)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertIn("already", again.stdout)

        # suzuki is added while the hub runs: renkeid reads users.yaml again by itself.
        suzuki = self.person(hub, "suzuki", "operator")

        def suzuki_known():
            entries = [json.loads(line) for line in hub.audit_log.read_text(encoding="utf-8").splitlines()]
            return any(t["name"] == "suzuki" for e in entries if e["action"] == "users-changed"
                       for t in e.get("tokens_issued", []))
        h.wait_for(suzuki_known, 20, "renkeid to read users.yaml again", on_timeout=hub.log_tail)
        ack = self.ctl(hub, "ack", str(MANUAL_ROUTE), f"{mr}-20261125", user="tanaka", token=suzuki)
        self.assertEqual(ack.returncode, 0, ack.stdout + ack.stderr)
        self.assertIn("acknowledged by suzuki", ack.stdout)
        h.wait_for(lambda: hub.metric("renkei_manual_overdue", interface=mr) == 0, 30, "the gauge to go to 0")
        status = {i["id"]: i for i in json.loads(hub.http_get("/api/v1/interfaces")[1])["interfaces"]}
        self.assertIs(status[MANUAL_ROUTE]["overdue"], False)
        self.assertIsNotNone(status[MANUAL_ROUTE]["due"])

        # Acknowledging a run that does not exist is refused with a reason.
        bad = self.ctl(hub, "ack", str(MANUAL_ROUTE), f"{mr}-20261120")
        self.assertEqual(bad.returncode, 1)
        self.assertIn("no run for 2026-11-20", bad.stderr)

        audit = [json.loads(line) for line in hub.audit_log.read_text(encoding="utf-8").splitlines()]
        actions = [(e["action"], e.get("operator"), e.get("via"), e.get("run")) for e in audit]
        self.assertIn(("run", "tanaka", "token", f"{mr}-20261125"), actions)
        self.assertIn(("ack", "suzuki", "token", f"{mr}-20261125"), actions)
        run_entry = next(e for e in audit if e["action"] == "run")
        self.assertEqual(run_entry["token"], tanaka.read_text().split("_")[1])
        self.assertNotIn("mallory", json.dumps(run_entry))
        refusals = [(e["path"], e["status"], e["operator"]) for e in audit if e["action"] == "refused"]
        self.assertEqual(refusals, [(f"/api/v1/interfaces/{MANUAL_ROUTE}/run", 401, "unknown"),
                                    ("/api/v1/interfaces/1/run", 401, "unknown"),
                                    ("/api/v1/interfaces/1/ack", 401, "unknown"),
                                    (f"/api/v1/interfaces/{MANUAL_ROUTE}/run", 403, "sato")])
        # The people known at start are not a change; suzuki, added while running, is.
        # (renkeictl wrote the user and then the token: one change or two, as renkeid saw it.)
        changes = [e for e in audit if e["action"] == "users-changed"]
        self.assertIn(len(changes), (1, 2), changes)
        self.assertEqual([a for e in changes for a in e.get("added", [])], [{"name": "suzuki", "role": "operator"}])
        self.assertEqual([t["name"] for e in changes for t in e.get("tokens_issued", [])], ["suzuki"])
        self.assertNotIn("sha256", json.dumps(changes))
        self.assertEqual(len(audit), 6 + len(changes), audit)  # the repeated run asked nothing of anybody
        self.assertEqual(oct(hub.audit_log.stat().st_mode & 0o777), "0o640")
        hub.stop()


if __name__ == "__main__":
    import unittest
    unittest.main()
