"""renkeid's /metrics, linted by promtool and scraped by a real Prometheus.

Exposition: one renkeid on the embedded bus (started by tests/integration/harness.py)
is given traffic that makes every family of the hub appear — a delivered file, a held
file (dead letters, conversion errors), a target that cannot be written (retries, lag),
a good and a refused reload — and its /metrics is piped into `promtool check metrics`,
which must pass without a remark. Every family it exposes is in docs/metrics.md with the
same type and labels, and the catalogue lists the whole ARCHITECTURE §4 contract.

Prometheus: Debian's prometheus server on loopback (own port, own TSDB in a temp dir)
scrapes a renkeid every second with docker/prometheus/alerts.yml loaded. Through its
HTTP API the test sees renkei_build_info and the adapters, sees
renkei_config_reloads_total{outcome="success"} go 1 → 2 across two SIGHUPs, sees a
refused reload counted and the RenkeiConfigReloadFailed alert fire, and finds every rule
evaluating without error.
"""

import json
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import opsutil as u
import harness as h

CATALOGUE = u.SRC / "docs" / "metrics.md"
ALERTS = u.DOCKER / "prometheus" / "alerts.yml"

# ARCHITECTURE §4, "Metrics": the contract the catalogue must cover.
CONTRACT = [
    "records_received_total", "records_delivered_total", "records_dead_lettered_total",
    "conversion_errors_total", "delivery_retries_total", "consumer_lag_records", "delivery_latency_seconds",
    "job_runs_total", "job_last_success_timestamp_seconds", "job_next_run_timestamp_seconds",
    "manual_overdue", "adapter_up", "config_reloads_total", "build_info",
]
# The families the traffic below must make appear.
HUB_FAMILIES = {
    "renkei_records_received_total", "renkei_records_delivered_total", "renkei_records_dead_lettered_total",
    "renkei_conversion_errors_total", "renkei_delivery_retries_total", "renkei_consumer_lag_records",
    "renkei_delivery_latency_seconds", "renkei_adapter_up", "renkei_config_reloads_total", "renkei_build_info",
    "renkei_job_runs_total", "renkei_job_last_success_timestamp_seconds", "renkei_job_next_run_timestamp_seconds",
    "renkei_manual_overdue", "renkei_lane_queued_bytes", "renkei_lane_paused_partitions",
}

GOOD_ROUTE, BLOCKED_ROUTE = h.ROUTE, 10  # 009 住民記録 → 健康管理; 010 住民記録 → 子ども・子育て
BLOCKED_TARGET = "child-care"
MANUAL_ROUTE = 17  # 住民記録 → VRS, 手動 daily: run through the API


def renkeid_version():
    r = u.run([u.RENKEID, "--version"])
    return r.stdout.split()[-1]


def parse_exposition(text):
    """{family: {"type": t, "samples": [(name, {label: value}, value)]}} of a text exposition."""
    families, current = {}, None
    for line in text.splitlines():
        m = re.match(r"# TYPE (\S+) (\S+)$", line)
        if m:
            current = families.setdefault(m.group(1), {"type": m.group(2), "samples": []})
            continue
        if not line or line.startswith("#"):
            continue
        name, labels, value = h._SAMPLE.match(line).groups()
        fam = next((f for f in (name, re.sub(r"_(bucket|sum|count)$", "", name)) if f in families), None)
        if fam is None:
            raise AssertionError(f"sample without a TYPE line: {line}")
        families[fam]["samples"].append((name, dict(h._LABEL.findall(labels or "")), float(value)))
    return families


def parse_catalogue():
    """{metric: (type, [labels], status)} from the table of docs/metrics.md."""
    out = {}
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*`(renkei_\w+)`\s*\|\s*(\w+)\s*\|([^|]*)\|([^|]*)\|\s*$", line)
        if m:
            labels = re.findall(r"`(\w+)`", m.group(3))
            out[m.group(1)] = (m.group(2), labels, m.group(4).strip())
    return out


class _ClassScope:
    """Lets the harness's Hub live for a whole test class (its cleanup at class end)."""

    def __init__(self, cls):
        self.addCleanup = cls.addClassCleanup


class Exposition(unittest.TestCase):
    """One renkeid with traffic; its exposition is linted and compared with the catalogue."""

    @classmethod
    def setUpClass(cls):
        hub = cls.hub = h.Hub(_ClassScope(cls), "", "ops-metrics")
        hub.start()
        tag = h.unique("ops")
        # A target that cannot be written: route 010's inbox is a plain file.
        blocked = hub.inbox(BLOCKED_TARGET, BLOCKED_ROUTE)
        shutil.rmtree(blocked, ignore_errors=True)
        blocked.parent.mkdir(parents=True, exist_ok=True)
        blocked.write_bytes(b"not a directory")
        hub.drop("ops-blocked.csv", h.make_file(50, tag), route=BLOCKED_ROUTE)
        # A good file, delivered.
        cls.good = 20
        hub.drop("ops-good.csv", h.make_file(cls.good, tag))
        hub.wait_delivered("ops-good.csv", 90)
        # A file with a record that is not Windows-31J: held, all of it dead-lettered.
        cls.bad = 30
        bad_line = f"{7:012d},ﾃｽﾄ,試験,".encode("cp932") + b"\x81\x20" + b",x"
        hub.drop("ops-held.csv", h.make_file(cls.bad, tag, bad={7: bad_line}))

        def metric(name, **labels):
            return hub.metric(name, **labels) or 0
        h.wait_for(lambda: metric("renkei_records_dead_lettered_total", interface="009", reason="batch-held")
                   >= cls.bad, 90, "the held batch's dead letters", on_timeout=hub.log_tail)
        h.wait_for(lambda: metric("renkei_delivery_retries_total", interface="010") >= 1, 90,
                   "a retry of the blocked route", on_timeout=hub.log_tail)
        h.wait_for(lambda: metric("renkei_consumer_lag_records", interface="010") > 0, 90,
                   "lag on the blocked route", on_timeout=hub.log_tail)
        # A manual run (the API with the token): the job families.
        hub.drop("ops-manual.csv", h.make_file(5, tag), route=MANUAL_ROUTE)
        token = (hub.state / "api-token").read_text(encoding="utf-8").strip()
        req = urllib.request.Request(f"http://127.0.0.1:{hub.port}/api/v1/interfaces/{MANUAL_ROUTE}/run",
                                     data=b'{"operator": "ops-test"}', method="POST",
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 202, r.status
        h.wait_for(lambda: metric("renkei_job_runs_total", interface="017", outcome="succeeded") == 1, 60,
                   "the manual run to succeed", on_timeout=hub.log_tail)
        # One good reload and one refused.
        hub.signal(signal.SIGHUP)
        h.wait_for(lambda: metric("renkei_config_reloads_total", outcome="success") == 1, 60,
                   "a successful reload", on_timeout=hub.log_tail)
        good_yaml = hub.hub_yaml.read_text(encoding="utf-8")
        hub.hub_yaml.write_text(good_yaml + "bogus: 1\n", encoding="utf-8")
        hub.signal(signal.SIGHUP)
        h.wait_for(lambda: metric("renkei_config_reloads_total", outcome="failure") == 1, 60,
                   "a refused reload", on_timeout=hub.log_tail)
        hub.hub_yaml.write_text(good_yaml, encoding="utf-8")
        status, cls.text = hub.http_get("/metrics")
        assert status == 200, status
        cls.families = parse_exposition(cls.text)

    def test_promtool_check_metrics_passes(self):
        r = subprocess.run([u.tool(self, "promtool"), "check", "metrics"], input=self.text, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, "promtool check metrics:\n" + u.describe(r))
        self.assertEqual((r.stdout + r.stderr).strip(), "", u.describe(r))

    def test_every_family_of_the_hub_appears(self):
        self.assertEqual(HUB_FAMILIES - set(self.families), set(), "families missing after the traffic")

    def test_values_follow_the_traffic(self):
        m = h.parse_metrics(self.text)
        self.assertEqual(h.metric(m, "renkei_records_received_total", interface="009", system=h.SOURCE),
                         self.good + self.bad)
        self.assertEqual(h.metric(m, "renkei_records_delivered_total", interface="009", system=h.TARGET), self.good)
        self.assertEqual(h.metric(m, "renkei_conversion_errors_total", interface="009", kind="illegal-sequence"), 1)
        self.assertEqual(h.metric(m, "renkei_delivery_latency_seconds_count", interface="009"), 1)
        self.assertEqual(h.metric(m, "renkei_delivery_latency_seconds_bucket", interface="009", le="+Inf"), 1)
        self.assertIn(h.metric(m, "renkei_records_delivered_total", interface="010", system=BLOCKED_TARGET), (None, 0))
        self.assertEqual(h.metric(m, "renkei_build_info", version=renkeid_version()), 1)
        up = [v for (name, _), v in m.items() if name == "renkei_adapter_up"]
        self.assertEqual(len(up), 39)
        # A lane's gauges per target system, also for targets no record reached yet.
        lanes = {dict(labels)["system"]: v for (name, labels), v in m.items() if name == "renkei_lane_queued_bytes"}
        self.assertLessEqual({h.TARGET, BLOCKED_TARGET, "eltax"}, set(lanes), "lane gauges missing")
        self.assertEqual(lanes["eltax"], 0)

    def test_exposed_families_are_in_the_catalogue(self):
        catalogue = parse_catalogue()
        for name, fam in self.families.items():
            self.assertIn(name, catalogue, f"{name} is exposed but not in docs/metrics.md")
            kind, labels, status = catalogue[name]
            self.assertEqual(fam["type"], kind, name)
            self.assertEqual(status, "exists", f"{name} is exposed: docs/metrics.md should say 'exists'")
            for sample, sample_labels, _ in fam["samples"]:
                names = set(sample_labels) - ({"le"} if sample.endswith("_bucket") else set())
                self.assertEqual(names, set(labels), f"{sample}: labels differ from docs/metrics.md")

    def test_catalogue_covers_the_contract(self):
        catalogue = parse_catalogue()
        for short in CONTRACT:
            name = "renkei_" + short
            self.assertIn(name, catalogue, f"{name} (ARCHITECTURE §4) is not in docs/metrics.md")
            status = catalogue[name][2]
            self.assertRegex(status, r"^(exists|planned \(issue \d+\))$", name)
            if status == "exists":
                self.assertIn(name, HUB_FAMILIES, f"{name} exists: make the exposition test produce it")
            self.assertIn(f"### `{name}", CATALOGUE.read_text(encoding="utf-8"), f"{name}: no description")


class Prometheus:
    """Debian's prometheus on 127.0.0.1:<free port> with its own TSDB in `tmp`."""

    READY_TIMEOUT = 90.0

    def __init__(self, testcase, tmp, target):
        self.testcase = testcase
        self.tmp = tmp
        self.binary = u.tool(testcase, "prometheus")
        self.log_path = tmp / "prometheus.log"
        self.config = tmp / "prometheus.yml"
        self.config.write_text(json.dumps({  # JSON is YAML
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(ALERTS)],
            "scrape_configs": [{"job_name": "renkei", "static_configs": [{"targets": [target]}]}],
        }, indent=2), encoding="utf-8")
        self.proc = None
        self.port = None
        testcase.addCleanup(self.stop)

    def start(self):
        for attempt in range(3):
            self.port = u.free_port()
            log = open(self.log_path, "ab")
            try:
                self.proc = subprocess.Popen(
                    [self.binary, f"--config.file={self.config}", f"--storage.tsdb.path={self.tmp / 'tsdb'}",
                     f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=info"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            finally:
                log.close()
            deadline = time.monotonic() + self.READY_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if self._status("/-/ready") == 200:
                    return self
                time.sleep(0.1)
            if self.proc.poll() is None:
                raise AssertionError(f"prometheus not ready after {self.READY_TIMEOUT:.0f} s\n" + self.log_tail())
            if "address already in use" not in self.log_tail():
                raise AssertionError(f"prometheus exited with {self.proc.returncode}\n" + self.log_tail())
        raise AssertionError("prometheus: no free port after 3 attempts\n" + self.log_tail())

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)

    def log_tail(self, n=40):
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return "(no prometheus log)"
        return f"--- last {n} lines of {self.log_path} ---\n" + "\n".join(lines[-n:])

    def _status(self, path):
        return h.http_status(f"http://127.0.0.1:{self.port}{path}")

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
        if body.get("status") != "success":
            raise AssertionError(f"{url}: {body}")
        return body["data"]

    def query(self, expr):
        """Instant vector → {frozenset(labels): float}."""
        data = self.api("query", query=expr)
        if data["resultType"] != "vector":
            raise AssertionError(f"{expr}: {data['resultType']} instead of a vector")
        return {frozenset(s["metric"].items()): float(s["value"][1]) for s in data["result"]}

    def value(self, expr):
        """The single sample's value, or None when the query returns nothing."""
        result = self.query(expr)
        if len(result) > 1:
            raise AssertionError(f"{expr}: {len(result)} series, expected at most one: {result}")
        return next(iter(result.values()), None)

    def wait_value(self, expr, expected, timeout=60):
        h.wait_for(lambda: self.value(expr) == expected, timeout, f"Prometheus to see {expr} == {expected}",
                   interval=0.2, on_timeout=lambda: f"last: {self.query(expr)}\n{self.log_tail()}")


class PrometheusScrape(unittest.TestCase):

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="renkei-ops-prometheus-"))
        self.addCleanup(self._remove_tmp)
        self.hub = h.Hub(self, "", "ops-prometheus").start()
        self.target = f"127.0.0.1:{self.hub.port}"
        self.prom = Prometheus(self, self.tmp, self.target).start()

    def _remove_tmp(self):
        if h._failed(self):
            print(f"\n[ops] kept {self.tmp}", flush=True)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def test_prometheus_scrapes_renkeid_and_sees_reloads(self):
        p, hub = self.prom, self.hub
        p.wait_value(f'up{{job="renkei",instance="{self.target}"}}', 1.0)

        # A scrape that misses its 1 s timeout on a busy machine marks series stale for a
        # moment: wait for them rather than expecting them on the first query.
        info = h.wait_for(lambda: p.query("renkei_build_info"), 60, "renkei_build_info in Prometheus",
                          interval=0.2, on_timeout=p.log_tail)
        self.assertEqual(len(info), 1, info)
        labels, value = next(iter(info.items()))
        self.assertEqual(value, 1.0)
        self.assertEqual(dict(labels)["version"], renkeid_version())
        self.assertEqual(dict(labels)["instance"], self.target)
        systems = json.loads(u.run([u.RENKEICTL, "systems", "--json", "--config", hub.config_dir]).stdout)
        p.wait_value("count(renkei_adapter_up == 1)", float(len(systems)))

        # Reloads, as Prometheus sees them: absent (no reload yet), then 1, then 2.
        reloads = 'renkei_config_reloads_total{job="renkei",outcome="success"}'
        self.assertIsNone(p.value(reloads))
        hub.signal(signal.SIGHUP)
        p.wait_value(reloads, 1.0)
        hub.signal(signal.SIGHUP)
        p.wait_value(reloads, 2.0)
        self.assertTrue(hub.alive())

        # A refused reload: counted, and the alert rule fires on the real series.
        good_yaml = hub.hub_yaml.read_text(encoding="utf-8")
        hub.hub_yaml.write_text(good_yaml + "bogus: 1\n", encoding="utf-8")
        hub.signal(signal.SIGHUP)
        p.wait_value('renkei_config_reloads_total{job="renkei",outcome="failure"}', 1.0)
        hub.hub_yaml.write_text(good_yaml, encoding="utf-8")

        def firing():
            alerts = p.api("alerts")["alerts"]
            return [a for a in alerts if a["labels"]["alertname"] == "RenkeiConfigReloadFailed"
                    and a["state"] == "firing"]
        found = h.wait_for(firing, 60, "RenkeiConfigReloadFailed to fire", interval=0.2,
                           on_timeout=lambda: json.dumps(p.api("alerts"), indent=1))
        self.assertEqual(found[0]["labels"]["instance"], self.target)
        self.assertEqual(found[0]["labels"]["severity"], "warning")
        # Nothing else is wrong with this hub.
        others = [a["labels"]["alertname"] for a in p.api("alerts")["alerts"]
                  if a["labels"]["alertname"] != "RenkeiConfigReloadFailed"]
        self.assertEqual(others, [])

        # Every rule of alerts.yml is loaded and evaluates without error.
        expected = [r["alert"] for g in u.load_yaml(self, ALERTS)["groups"] for r in g["rules"]]
        rules = [r for g in p.api("rules")["groups"] for r in g["rules"]]
        self.assertEqual([r["name"] for r in rules], expected)
        for r in rules:
            self.assertEqual((r["name"], r["health"], r.get("lastError", "")), (r["name"], "ok", ""))


if __name__ == "__main__":
    unittest.main()
