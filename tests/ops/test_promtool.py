"""docker/prometheus/: the scrape config and the alert rules, checked with promtool.

- `promtool check config` on prometheus.yml (it resolves and checks the rule files too)
- `promtool check rules` on alerts.yml
- `promtool test rules tests/ops/alerts_test.yml`: every alert fires on the series it is
  meant for, at the time it should, and stays quiet otherwise
- the rules cover the contract: DLQ growth, overdue manual rows, missing data, lag,
  adapter down, on the metric names of docs/metrics.md
"""

import re
import unittest
from pathlib import Path

import opsutil as u

PROM = u.DOCKER / "prometheus"
HERE = Path(__file__).resolve().parent


class Promtool(unittest.TestCase):

    def promtool(self, *args, cwd=None):
        return u.run([u.tool(self, "promtool"), *args], timeout=120, cwd=cwd)

    def test_check_config(self):
        r = self.promtool("check", "config", PROM / "prometheus.yml")
        self.assertEqual(r.returncode, 0, u.describe(r))
        self.assertIn("SUCCESS: 1 rule files found", r.stdout + r.stderr)
        self.assertIn("is valid prometheus config file syntax", r.stdout + r.stderr)

    def test_check_rules(self):
        r = self.promtool("check", "rules", PROM / "alerts.yml")
        self.assertEqual(r.returncode, 0, u.describe(r))
        self.assertRegex(r.stdout, r"SUCCESS: \d+ rules found")

    def test_rule_unit_tests(self):
        r = self.promtool("test", "rules", "alerts_test.yml", cwd=HERE)
        self.assertEqual(r.returncode, 0, u.describe(r))
        self.assertIn("SUCCESS", r.stdout)

    def test_rule_files_resolve_to_the_rules_checked(self):
        config = u.load_yaml(self, PROM / "prometheus.yml")
        self.assertEqual([(PROM / f).resolve() for f in config["rule_files"]], [(PROM / "alerts.yml").resolve()])
        tests = u.load_yaml(self, HERE / "alerts_test.yml")
        self.assertEqual([(HERE / f).resolve() for f in tests["rule_files"]], [(PROM / "alerts.yml").resolve()])

    def test_alerts_cover_the_contract(self):
        rules = u.load_yaml(self, PROM / "alerts.yml")
        alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"] if "alert" in r}
        needs = {
            "RenkeiDeadLetters": r"renkei_records_dead_lettered_total",
            "RenkeiManualOverdue": r"renkei_manual_overdue\s*==\s*1",
            "RenkeiDataMissing": r'renkei_job_runs_total\{outcome="missing"\}',
            "RenkeiConsumerLag": r"renkei_consumer_lag_records",
            "RenkeiAdapterDown": r"renkei_adapter_up\s*==\s*0",
        }
        for name, pattern in needs.items():
            self.assertIn(name, alerts)
            self.assertRegex(alerts[name]["expr"], pattern, name)
        self.assertGreaterEqual(self._duration(alerts["RenkeiConsumerLag"].get("for", "0s")), 300,
                                "lag alerts only when it lasts")
        # Every alert has a severity and an explanation, and is unit-tested.
        tested = (HERE / "alerts_test.yml").read_text(encoding="utf-8")
        catalogue = (u.SRC / "docs" / "metrics.md").read_text(encoding="utf-8")
        for name, rule in alerts.items():
            self.assertIn(rule["labels"].get("severity"), {"warning", "critical"}, name)
            self.assertTrue(rule["annotations"].get("summary") and rule["annotations"].get("description"), name)
            self.assertIn(f"alertname: {name}\n", tested, f"{name} has no unit test in alerts_test.yml")
            self.assertIn(f"`{name}`", catalogue, f"{name} is not listed in docs/metrics.md")
            for metric in set(re.findall(r"\brenkei_[a-z_]+", rule["expr"])):
                self.assertIn(f"`{metric}`", catalogue, f"{name} uses {metric}, not in docs/metrics.md")

    @staticmethod
    def _duration(text):
        units = {"s": 1, "m": 60, "h": 3600}
        return sum(int(n) * units[unit] for n, unit in re.findall(r"(\d+)([smh])", text))


if __name__ == "__main__":
    unittest.main()
