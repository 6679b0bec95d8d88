"""Job hooks (HULFT ジョブ連携) around a manual row's runs, on real Kafka 3.9 and the real
renkeid: a failing `before` fails the run (reason hook) and nothing is collected; an
`after_success` sees the run's RENKEI_* variables and nothing else of the daemon's
environment; what each hook did is in the run's 転送履歴 entry, never in the log."""

import json

import harness as h
from harness import Hub
from test_scheduled_collect import edit_route
from test_scheduler import MANUAL_ROUTE, MANUAL_TARGET, WED, clock, run_states

THU = "2026-11-26"


class Hooks(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)

    def request_run(self, hub, date):
        hub.request_run(MANUAL_ROUTE, date)

    def history(self, hub):
        _, body = hub.http_get(f"/api/v1/history?interface={MANUAL_ROUTE}&kind=run")
        return json.loads(body)["entries"]

    def test_a_failing_before_fails_the_run_and_after_success_sees_the_variables(self):
        hub = Hub(self, self.brokers, "hooks", collect="at-run")
        env_file = hub.tmp / "after-env.txt"
        # `before` refuses Wednesday's run and lets Thursday's go; `after_success` writes
        # the RENKEI_* variables it was given (sh -c's $0 is the file's name).
        edit_route(hub, MANUAL_ROUTE, "conversion:", "\n".join([
            "    hooks:",
            "      before:",
            "        argv: [/bin/sh, -c, 'if [ \"$RENKEI_BUSINESS_DATE\" = " + WED + " ]; then echo not ready "
            "for $RENKEI_RUN_ID; exit 3; fi']",
            "        timeout_s: 20",
            "      after_success:",
            f"        argv: [/bin/sh, -c, 'env | grep ^RENKEI_ | sort > \"$0\"', {env_file}]",
        ]))
        hub.drop("vrs-export.csv", h.make_file(7, h.unique("hooks")), route=MANUAL_ROUTE)
        hub.start(env=clock(f"{THU}T09:00:00+09:00"))
        mr = h.iface(MANUAL_ROUTE)
        self.assertEqual(hub.metric("renkei_hook_failures_total", interface=mr), 0)

        self.request_run(hub, WED)
        h.wait_for(lambda: run_states(hub, MANUAL_ROUTE).get(WED, {}).get("state") == "failed", 60,
                   "Wednesday's run failed by its before hook", on_timeout=hub.log_tail)
        failed = run_states(hub, MANUAL_ROUTE)[WED]
        self.assertEqual(failed["detail"], "hook before: exit 3")
        self.assertEqual(failed["files"], 0)
        self.assertEqual(hub.delivered("vrs-export.csv", system=MANUAL_TARGET, route=MANUAL_ROUTE), [])
        self.assertEqual(hub.metric("renkei_hook_failures_total", interface=mr), 1)
        self.assertFalse(env_file.exists(), "after_success ran for a failed run")

        self.request_run(hub, THU)
        h.wait_for(lambda: run_states(hub, MANUAL_ROUTE).get(THU, {}).get("state") == "succeeded", 60,
                   "Thursday's run", on_timeout=hub.log_tail)
        self.assertEqual(len(hub.delivered("vrs-export.csv", system=MANUAL_TARGET, route=MANUAL_ROUTE)), 1)
        h.wait_for(env_file.exists, 20, "after_success's file")
        seen = dict(line.split("=", 1) for line in env_file.read_text(encoding="utf-8").splitlines())
        batch = seen.pop("RENKEI_BATCH_ID")
        self.assertRegex(batch, r"^[0-9A-Za-z._:-]+$")
        self.assertEqual(seen, {"RENKEI_INTERFACE": mr, "RENKEI_BUSINESS_DATE": THU, "RENKEI_RUN_ID": f"{mr}-20261126",
                                "RENKEI_HOOK": "after_success", "RENKEI_FILE": "vrs-export.csv", "RENKEI_FILES": "1",
                                "RENKEI_RECORDS": "7", "RENKEI_OUTCOME": "succeeded"})
        # The daemon's own environment (here the test clock) is not the hook's.
        self.assertNotIn("RENKEI_TEST_CLOCK", seen)

        # 転送履歴: both runs, with what their hooks did.
        h.wait_for(lambda: len(self.history(hub)) == 2, 20, "two run entries")
        entries = {e["business_date"]: e for e in self.history(hub)}
        wed = entries[WED]
        self.assertEqual((wed["outcome"], wed["reason"]), ("failed", "hook before: exit 3"))
        self.assertEqual([(k["stage"], k["outcome"], k["reason"]) for k in wed["hooks"]],
                         [("before", "failed", "exit 3")])
        self.assertEqual(wed["hooks"][0]["output"], f"not ready for {mr}-20261125\\x0A")
        thu = entries[THU]
        self.assertEqual(thu["outcome"], "succeeded")
        self.assertEqual([(k["stage"], k["outcome"]) for k in thu["hooks"]],
                         [("before", "succeeded"), ("after_success", "succeeded")])
        # What a hook prints goes to the history only.
        self.assertNotIn("not ready", hub.run_log())
        hub.stop()

    def test_a_restart_while_the_after_hook_runs_keeps_the_outcome_and_runs_it_again(self):
        hub = Hub(self, self.brokers, "hooks-restart", collect="at-run")
        starts = hub.tmp / "after-starts.txt"
        edit_route(hub, MANUAL_ROUTE, "conversion:", "\n".join([
            "    hooks:",
            "      after_success:",
            f"        argv: [/bin/sh, -c, 'echo \"$RENKEI_OUTCOME\" >> \"$0\"; sleep 12', {starts}]",
            "        timeout_s: 60",
        ]))
        hub.drop("vrs-export.csv", h.make_file(5, h.unique("restart")), route=MANUAL_ROUTE)
        hub.start(env=clock(f"{THU}T09:00:00+09:00"))
        self.request_run(hub, THU)
        h.wait_for(lambda: starts.exists() and starts.read_text().count("\n") == 1, 60, "the after hook to start",
                   on_timeout=hub.log_tail)
        # The outcome is on renkei.state before the hook runs: killed now, the hub that
        # comes back finishes the run as it was decided, and runs the hook again.
        self.assertEqual(run_states(hub, MANUAL_ROUTE)[THU].get("finishing"), "succeeded")
        hub.kill9()
        hub.start(env=clock(f"{THU}T09:05:00+09:00"))
        h.wait_for(lambda: run_states(hub, MANUAL_ROUTE).get(THU, {}).get("state") in ("succeeded", "failed",
                                                                                      "missing"),
                   90, "the run to end after the restart", on_timeout=hub.log_tail)
        run = run_states(hub, MANUAL_ROUTE)[THU]
        self.assertEqual((run["state"], run["files"]), ("succeeded", 1))
        self.assertEqual(starts.read_text().splitlines(), ["succeeded", "succeeded"])
        self.assertEqual(len(hub.delivered("vrs-export.csv", system=MANUAL_TARGET, route=MANUAL_ROUTE)), 1)
        h.wait_for(lambda: len(self.history(hub)) >= 1, 20, "the run's entry")
        self.assertEqual([(e["business_date"], e["outcome"]) for e in self.history(hub)], [(THU, "succeeded")])
        hub.stop()
