"""scripts/systemd/renkeid.service and scripts/install.sh, checked with the real tools.

- `systemd-analyze verify` accepts the unit without a single warning (it prints
  warnings but still exits 0, so the output must be empty too). It needs ExecStart's
  binary to exist: the unit is verified with ExecStart pointing at the built renkeid,
  and again as install.sh stages it, pointing into the staged tree.
- `systemd-analyze security --offline` rates its sandbox "OK" (exposure ≤ 2.0).
- install.sh into a temporary DESTDIR produces the expected tree, is idempotent, keeps a
  configuration an admin edited, and honours --prefix.
"""

import os
import re
import shutil
import stat
import tempfile
import unittest
from pathlib import Path

import opsutil as u

STATE = "/var/lib/renkei"
SHIPPED_EXEC = "/usr/local/bin/renkeid --config /etc/renkei/hub.yaml"


def parse_unit(text):
    """{section: {key: [values in order]}}; comments and blank lines dropped."""
    out, section = {}, None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        m = re.fullmatch(r"\[(.+)\]", line)
        if m:
            section = out.setdefault(m.group(1), {})
            continue
        key, sep, value = line.partition("=")
        if not sep or section is None:
            raise AssertionError(f"unit: unparsable line {raw!r}")
        section.setdefault(key.strip(), []).append(value.strip())
    return out


class UnitFile(unittest.TestCase):

    def setUp(self):
        self.text = u.UNIT.read_text(encoding="utf-8")
        self.unit = parse_unit(self.text)
        self.tmp = Path(tempfile.mkdtemp(prefix="renkei-ops-unit-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def with_exec(self, text, renkeid):
        """The unit as renkeid.service in a temp dir, ExecStart pointing at `renkeid`."""
        path = self.tmp / "renkeid.service"
        path.write_text(text.replace("/usr/local/bin/renkeid", str(renkeid)), encoding="utf-8")
        return path

    def verify(self, path):
        return u.run([u.tool(self, "systemd-analyze"), "verify", path], timeout=120, cwd=self.tmp)

    def test_systemd_analyze_verify_passes_without_warnings(self):
        self.assertTrue(os.access(u.RENKEID, os.X_OK), f"built renkeid missing: {u.RENKEID}")
        r = self.verify(self.with_exec(self.text, Path(u.RENKEID).resolve()))
        self.assertEqual(r.returncode, 0, u.describe(r))
        self.assertEqual((r.stdout + r.stderr).strip(), "", "systemd-analyze verify warned:\n" + u.describe(r))

    def test_verify_does_report_problems(self):
        # The check above relies on verify printing what is wrong: make sure it does.
        broken = self.text.replace("ProtectSystem=strict", "ProtectSystm=strict")
        r = self.verify(self.with_exec(broken, Path(u.RENKEID).resolve()))
        self.assertIn("ProtectSystm", r.stdout + r.stderr, u.describe(r))
        r = self.verify(self.with_exec(self.text, self.tmp / "no-such-renkeid"))
        self.assertIn("not executable", r.stdout + r.stderr, u.describe(r))

    def test_security_exposure_is_ok(self):
        path = self.with_exec(self.text, Path(u.RENKEID).resolve())
        r = u.run([u.tool(self, "systemd-analyze"), "security", "--offline=true", "--threshold=20", path],
                  timeout=120, cwd=self.tmp)
        self.assertEqual(r.returncode, 0, "exposure above 2.0:\n" + u.describe(r))
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout + r.stderr)
        self.assertIsNotNone(m, u.describe(r))
        self.assertLessEqual(float(m.group(1)), 2.0)

    def test_service_contract(self):
        s = self.unit["Service"]
        one = lambda key: s.get(key, [None])[-1]
        self.assertEqual(one("Type"), "notify")
        self.assertEqual(one("NotifyAccess"), "main")
        self.assertEqual(one("WatchdogSec"), "30s")
        self.assertEqual(s.get("ExecStart"), [SHIPPED_EXEC])
        self.assertEqual(s.get("ExecReload"), ["/bin/kill -HUP $MAINPID"])
        self.assertEqual(one("Restart"), "on-failure")
        self.assertEqual(one("User"), "renkei")
        self.assertEqual(one("StateDirectory"), "renkei")
        self.assertEqual(one("UMask"), "0027")
        expected = {
            "ProtectSystem": "strict", "ReadWritePaths": STATE, "NoNewPrivileges": "yes",
            "PrivateTmp": "yes", "ProtectHome": "yes", "PrivateDevices": "yes",
            "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "CapabilityBoundingSet": "",
        }
        for key, value in expected.items():
            self.assertEqual(one(key), value, key)
        self.assertIn("@system-service", s.get("SystemCallFilter", []))
        self.assertEqual(self.unit["Install"]["WantedBy"], ["multi-user.target"])

    def test_stop_timeout_leaves_the_hub_its_own_deadline(self):
        """systemd's SIGKILL at TimeoutStopSec must come after renkeid's own exit at the
        shipped hub.stop_timeout_s, which logs what it left (README, "The two commands")."""
        m = re.fullmatch(r"(\d+)s", self.unit["Service"].get("TimeoutStopSec", [""])[-1])
        self.assertIsNotNone(m, "TimeoutStopSec in seconds")
        hub_yaml = (u.SRC / "config" / "hub.yaml").read_text(encoding="utf-8")
        found = re.findall(r"(?m)^  stop_timeout_s:\s*(\d+)", hub_yaml)
        self.assertEqual(len(found), 1, "config/hub.yaml: hub.stop_timeout_s")
        self.assertGreaterEqual(int(m.group(1)), int(found[0]) + 15)


class Install(unittest.TestCase):

    def setUp(self):
        self.dest = Path(tempfile.mkdtemp(prefix="renkei-ops-install-"))
        self.addCleanup(shutil.rmtree, self.dest, ignore_errors=True)
        self.build = Path(u.RENKEID).resolve().parent.parent  # <build>/src/renkeid

    def install(self, *args, expect=0):
        r = u.run(["bash", u.INSTALL_SH, "--destdir", self.dest, "--build-dir", self.build, *args], timeout=120)
        self.assertEqual(r.returncode, expect, u.describe(r))
        return r

    def tree(self):
        """{relative path: (type, mode, content hash or None)} of the staged tree."""
        out = {}
        for p in sorted(self.dest.rglob("*")):
            st = p.lstat()
            kind = "d" if stat.S_ISDIR(st.st_mode) else "f"
            out[str(p.relative_to(self.dest))] = (kind, stat.S_IMODE(st.st_mode),
                                                  p.read_bytes() if kind == "f" else None)
        return out

    def test_staged_install_tree(self):
        r = self.install()
        self.assertIn("would create system group and user 'renkei'", r.stdout)
        t = self.tree()
        expected = {
            "usr/local/bin/renkeid": ("f", 0o755), "usr/local/bin/renkeictl": ("f", 0o755),
            "etc/renkei": ("d", 0o750), "etc/renkei/hub.yaml": ("f", 0o640),
            "etc/renkei/systems.yaml": ("f", 0o640), "etc/renkei/routes.yaml": ("f", 0o640),
            "etc/renkei/users.yaml": ("f", 0o640),
            "var/lib/renkei": ("d", 0o750), "var/lib/renkei/spool": ("d", 0o750),
            "var/lib/renkei/state": ("d", 0o750),
            "etc/systemd/system/renkeid.service": ("f", 0o644),
        }
        for path, (kind, mode) in expected.items():
            self.assertIn(path, t, f"{path} not installed; tree: {sorted(t)}")
            self.assertEqual(t[path][:2], (kind, mode), path)
        # The conversion tables: codemaps/ of the repository, file for file.
        codemaps = {str(Path("etc/renkei/codemaps") / p.relative_to(u.SRC / "codemaps")): p
                    for p in (u.SRC / "codemaps").rglob("*") if p.is_file()}
        self.assertTrue(codemaps)
        for path, source in codemaps.items():
            self.assertEqual(t.get(path), ("f", 0o640, source.read_bytes()), path)
        for path, (kind, mode, _) in t.items():
            if path.startswith("etc/renkei/") and kind == "d":
                self.assertEqual(mode, 0o750, path)
        # The catalogue's directories: record layouts and the business-day calendar.
        catalogue_dirs = {str(Path("etc/renkei") / p.relative_to(u.SRC / "config")): p
                          for d in ("layouts", "calendar") for p in (u.SRC / "config" / d).rglob("*") if p.is_file()}
        self.assertIn("etc/renkei/calendar/holiday-exceptions.yaml", catalogue_dirs)
        for path, source in catalogue_dirs.items():
            self.assertEqual(t.get(path), ("f", 0o640, source.read_bytes()), path)
        files = {p for p, v in t.items() if v[0] == "f"}
        self.assertEqual(files, {p for p, v in expected.items() if v[0] == "f"} | set(codemaps) | set(catalogue_dirs),
                         "unexpected files installed")
        self.assertEqual(t["usr/local/bin/renkeid"][2], Path(u.RENKEID).read_bytes())
        self.assertEqual(t["usr/local/bin/renkeictl"][2], Path(u.RENKEICTL).read_bytes())
        self.assertEqual(t["etc/renkei/systems.yaml"][2], (u.SRC / "config" / "systems.yaml").read_bytes())
        self.assertEqual(t["etc/renkei/routes.yaml"][2], (u.SRC / "config" / "routes.yaml").read_bytes())
        self.assertEqual(t["etc/systemd/system/renkeid.service"][2], u.UNIT.read_bytes())

        # hub.yaml: the shipped one with this machine's spool, state and token paths.
        hub = u.load_yaml(self, self.dest / "etc/renkei/hub.yaml")
        shipped = u.load_yaml(self, u.SRC / "config" / "hub.yaml")
        self.assertEqual(hub["spool"], {"root": f"{STATE}/spool"})
        self.assertEqual(hub["state"], {"dir": f"{STATE}/state"})
        self.assertEqual(hub["auth"], {"token_file": f"{STATE}/state/api-token", "users_file": "users.yaml"})
        self.assertEqual(hub["audit"], {"file": f"{STATE}/state/audit.log"})
        self.assertEqual(hub["catalogue"], {**shipped["catalogue"], "codemaps": "codemaps"})
        for key in set(shipped) - {"spool", "state", "auth", "audit", "catalogue"}:
            self.assertEqual(hub[key], shipped[key], key)
        # Every path renkeid writes is inside the unit's ReadWritePaths.
        unit = parse_unit(u.UNIT.read_text(encoding="utf-8"))["Service"]
        for p in (hub["spool"]["root"], hub["state"]["dir"]):
            self.assertTrue(any(p == w or p.startswith(w + "/") for w in unit["ReadWritePaths"]), p)

        r = u.run([u.RENKEICTL, "validate", "--config", self.dest / "etc/renkei/hub.yaml"])
        self.assertEqual(r.returncode, 0, u.describe(r))
        r = u.run([u.RENKEID, "--check", "--config", self.dest / "etc/renkei/hub.yaml"])
        self.assertEqual(r.returncode, 0, u.describe(r))

    def test_second_run_changes_nothing(self):
        self.install()
        first = self.tree()
        r = self.install()
        self.assertEqual(self.tree(), first)
        for name in ("hub.yaml", "systems.yaml", "routes.yaml"):
            self.assertIn(f"/etc/renkei/{name} unchanged", r.stdout)
        self.assertNotIn("created", r.stdout)

    def test_edited_config_is_kept(self):
        self.install()
        hub = self.dest / "etc/renkei/hub.yaml"
        edited = hub.read_text(encoding="utf-8").replace('brokers: ""', 'brokers: "kafka1:9092,kafka2:9092"')
        self.assertNotEqual(edited, hub.read_text(encoding="utf-8"))
        hub.write_text(edited, encoding="utf-8")
        r = self.install()
        self.assertEqual(hub.read_text(encoding="utf-8"), edited)
        dist = self.dest / "etc/renkei/hub.yaml.dist"
        self.assertTrue(dist.is_file(), r.stdout)
        self.assertIn('brokers: ""', dist.read_text(encoding="utf-8"))
        self.assertIn("kept it", r.stdout)
        self.assertEqual(stat.S_IMODE(dist.stat().st_mode), 0o640)

    def test_invalid_kept_config_fails_the_install(self):
        self.install()
        hub = self.dest / "etc/renkei/hub.yaml"
        hub.write_text(hub.read_text(encoding="utf-8").replace("level: info", "level: loud"), encoding="utf-8")
        r = self.install(expect=1)
        self.assertIn("does not validate", r.stderr)

    def test_prefix_moves_binaries_and_execstart(self):
        self.install("--prefix", "/opt/renkei")
        bindir = self.dest / "opt/renkei/bin"
        self.assertTrue(os.access(bindir / "renkeid", os.X_OK))
        self.assertFalse((self.dest / "usr/local/bin").exists())
        unit_path = self.dest / "etc/systemd/system/renkeid.service"
        unit = parse_unit(unit_path.read_text(encoding="utf-8"))["Service"]
        self.assertEqual(unit["ExecStart"], ["/opt/renkei/bin/renkeid --config /etc/renkei/hub.yaml"])
        # The staged unit verifies against the staged binary (ExecStart seen through DESTDIR).
        staged = self.dest / "verify" / "renkeid.service"
        staged.parent.mkdir()
        staged.write_text(unit_path.read_text(encoding="utf-8").replace(
            "ExecStart=/opt/renkei/bin/renkeid", f"ExecStart={bindir}/renkeid"), encoding="utf-8")
        r = u.run([u.tool(self, "systemd-analyze"), "verify", staged], cwd=staged.parent)
        self.assertEqual((r.returncode, (r.stdout + r.stderr).strip()), (0, ""), u.describe(r))

    def test_missing_build_is_reported(self):
        r = u.run(["bash", u.INSTALL_SH, "--destdir", self.dest, "--build-dir", self.dest / "nothing"])
        self.assertEqual(r.returncode, 1, u.describe(r))
        self.assertIn("run scripts/build.sh first", r.stderr)
        r = u.run(["bash", u.INSTALL_SH, "--bogus"])
        self.assertEqual(r.returncode, 2, u.describe(r))


if __name__ == "__main__":
    unittest.main()
