"""Every realtime (随時) route of the shipped catalogue has a working path (issue 4).

One renkeid on the real broker with the shipped config (http targets pointed at a
receiver in the test). For each of the 20 realtime routes, three resident records enter
where that route's source really delivers them — a file in the outbox of the adapter that
carries the source side (the GW server's for routes 21, 22, 24), or POST /ingest for the
http systems (routes 27, 28) — and must come out once where the target side is carried:
a file in that adapter's inbox (the GW server's for 1, 4, 6) or a POST to the http
system. The bytes must be what `renkeictl convert --route N` makes of the same input
offline: the same conversion stage, the route's own profile and tables. Manual (手動)
realtime rows move only when an operator runs them, so the test runs them with the CLI.

Run by ctest as `python3 -m unittest -v test_realtime_routes` from tests/integration.
"""

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import harness as h
from harness import Hub

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from http_receiver import Receiver  # noqa: E402

RENKEICTL = os.environ["RENKEICTL"]
CODECS = {"ibm-943_P15A-2003": "cp932", "UTF-8": "utf-8"}


def jukinet_records(n, tag):
    # Only characters of the shipped sample 住基ネット統一文字 table (codemaps/jukinet/): a
    # route to 住基ネット refuses anything else (unmappable), half-width kana outside a
    # declared kana field included, as it must.
    return "".join(f"{i:012d},ヤマダ タロウ,山田 太郎,東京都山田市高崎町{i % 9 + 1}丁目{i % 30 + 1}番地,"
                   f"{1940 + i % 80}0101,{i % 2 + 1},{tag}\n" for i in range(1, n + 1))


def ctl(*args):
    return subprocess.run([RENKEICTL, *args], capture_output=True, timeout=120)


class RealtimeRoutes(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)
        self.receiver = Receiver()
        self.receiver.start()
        self.addCleanup(self.receiver.stop)

    def catalogue(self, config_dir):
        routes = json.loads(ctl("interfaces", "--json", "--config", str(config_dir)).stdout)
        routes = routes if isinstance(routes, list) else routes["interfaces"]
        systems = json.loads(ctl("systems", "--json", "--config", str(config_dir)).stdout)
        systems = systems if isinstance(systems, list) else systems["systems"]
        return [r for r in routes if r["timing"] == "realtime"], {s["id"]: s for s in systems}

    def expected(self, hub, route, data):
        """What the conversion stage makes of `data` on this route, offline."""
        with tempfile.TemporaryDirectory() as d:
            src, out = Path(d) / "in", Path(d) / "out"
            src.write_bytes(data)
            r = ctl("convert", "--config", str(hub.config_dir), "--profile", route["conversion"], "--route",
                    str(route["id"]), str(src), str(out))
            self.assertEqual(r.returncode, 0, f"route {route['id']}: {r.stdout!r} {r.stderr!r}")
            return out.read_bytes()

    def test_every_realtime_route_delivers_a_record_end_to_end(self):
        hub = Hub(self, self.brokers, "realtime")
        systems_yaml = hub.config_dir / "systems.yaml"
        systems_yaml.write_text(systems_yaml.read_text(encoding="utf-8").replace(
            "127.0.0.1:9471", f"127.0.0.1:{self.receiver.port}"), encoding="utf-8")
        routes, systems = self.catalogue(hub.config_dir)
        self.assertEqual(len(routes), 20)
        hub.start()
        token = (hub.state / "api-token").read_text().strip()

        tag = h.unique("rt")
        wanted = {}  # route id -> (target kind, target carrier, expected bytes)
        for r in routes:
            rid, iface = r["id"], h.iface(r["id"])
            source, target = r["carriers"]["source"], r["carriers"]["target"]
            if r["conversion"] == "jukinet":
                text = jukinet_records(3, f"{tag}-{iface}")
            else:
                text = h.make_file(3, f"{tag}-{iface}").decode("cp932")
            data = text.encode(CODECS[systems[r["from"]]["charset"]])
            kind = systems[source]["adapter"]["kind"]
            if kind == "file":
                hub.drop(f"rt-{iface}.csv", data, system=source, route=rid)
            else:
                self.assertEqual(kind, "http", r)
                # An http source posts each record as an event.
                for line in data.splitlines():
                    req = urllib.request.Request(f"http://127.0.0.1:{hub.port}/ingest/{source}/{iface}", data=line,
                                                 method="POST", headers={"Authorization": f"Bearer {token}"})
                    with urllib.request.urlopen(req, timeout=30) as answer:
                        self.assertEqual(answer.status, 202)
            if r["method"] == "manual":
                run = ctl("run", str(rid), "--config", str(hub.config_dir), "--api", f"http://127.0.0.1:{hub.port}",
                          "--token-file", str(hub.state / "api-token"))
                self.assertEqual(run.returncode, 0, f"route {rid}: {run.stdout!r} {run.stderr!r}")
            wanted[rid] = (systems[target]["adapter"]["kind"], target, self.expected(hub, r, data), kind)

        def arrived(rid):
            tkind, target, _, skind = wanted[rid]
            if tkind == "http":
                path = f"/{target}/{h.iface(rid)}"
                return [p["body"] for p in self.receiver.posts if p["path"] == path]
            files = [e for e in hub.inbox_entries(system=target, route=rid) if not e.startswith(".")]
            return [(hub.inbox(system=target, route=rid) / e).read_bytes() for e in files]

        def complete(rid):
            got = arrived(rid)
            # Events (from /ingest) arrive one by one, a file as one unit.
            return len(got) == (3 if wanted[rid][3] == "http" else 1)

        h.wait_for(lambda: all(complete(rid) for rid in wanted), 120, "every realtime route to deliver",
                   on_timeout=lambda: "not yet: " + ", ".join(str(rid) for rid in wanted if not complete(rid)) +
                   "\n" + hub.log_tail())
        for rid, (tkind, target, expected, skind) in sorted(wanted.items()):
            got = arrived(rid)
            if skind == "http":
                self.assertEqual(b"\n".join(sorted(got)) + b"\n", b"\n".join(sorted(expected.splitlines())) + b"\n",
                                 f"route {rid}")
            else:
                self.assertEqual(got, [expected], f"route {rid} → {target} ({tkind})")
        dead = sum(v for (name, _), v in hub.metrics().items() if name == "renkei_records_dead_lettered_total")
        self.assertEqual(dead, 0)
        hub.stop()


if __name__ == "__main__":
    import unittest
    unittest.main()
