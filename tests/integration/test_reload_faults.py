"""SIGHUP, `renkeictl validate` and `renkeid --check` on a configuration that cannot be read.

Operators' directories hold surprises: a symlink loop where a directory or file was, a
FIFO in place of a file. None may abort or hang renkeid or the checks (they once did:
std::filesystem threw out of the loaders, and reading a FIFO blocked for ever). A reload
that fails keeps the old configuration serving, says which file in the log, and counts
renkei_config_reloads_total{outcome="failure"}; the checks exit 1 naming the file.

Embedded bus (no broker needed). Run by ctest as `python3 -m unittest -v test_reload_faults`
from tests/integration with RENKEID, RENKEICTL and RENKEI_SOURCE_DIR in the environment.
"""

import os
import re
import shutil
import signal
import subprocess
import unittest

import harness as h
from harness import Hub

CHECK_TIMEOUT = 60  # a check that hangs on a FIFO fails here instead of hanging the suite


def loop_in_place_of(path):
    """Moves `path` aside and leaves a symlink loop (path -> path.loop -> path) where it was;
    returns the function that puts it back."""
    saved = path.with_name(path.name + ".saved")
    os.rename(path, saved)
    other = path.with_name(path.name + ".loop")
    os.symlink(other.name, path)
    os.symlink(path.name, other)

    def restore():
        os.unlink(path)
        os.unlink(other)
        os.rename(saved, path)
    return restore


def fifo_in_place_of(path):
    saved = path.with_name(path.name + ".saved")
    os.rename(path, saved)
    os.mkfifo(path)

    def restore():
        os.unlink(path)
        os.rename(saved, path)
    return restore


class ReloadFaults(h.HubTestCase):

    def checks_refuse(self, hub, shown):
        """validate and --check exit 1 within the timeout, naming `shown` (a file:line or,
        for a problem with the file as a whole, `file: message`)."""
        where = re.compile(re.escape(shown) + r"(:\d+)?: ")
        for argv in ([h.RENKEICTL, "--config", str(hub.config_dir), "validate"],
                     [h.RENKEID, "--config", str(hub.hub_yaml), "--check"]):
            proc = subprocess.run(argv, capture_output=True, timeout=CHECK_TIMEOUT, stdin=subprocess.DEVNULL)
            # renkeid logs (JSON lines) to stdout, renkeictl reports on stderr: read both.
            err = (proc.stdout + proc.stderr).decode("utf-8", "replace")
            self.assertEqual(proc.returncode, 1, f"{argv[0]}: exit {proc.returncode}\n{err}")
            self.assertRegex(err, where, f"{argv[0]} does not name {shown}")

    def reload_fails(self, hub, failures, shown):
        hub.signal(signal.SIGHUP)
        h.wait_for(lambda: hub.metric("renkei_config_reloads_total", outcome="failure") == failures, 30,
                   f'config_reloads_total{{outcome="failure"}} == {failures}', on_timeout=hub.log_tail)
        self.assertTrue(hub.alive(), hub.log_tail())
        self.assertEqual(hub.http_status("/healthz"), 200)
        self.assertIn(shown, hub.run_log(), "the log does not name the file")
        self.assertIn(hub.metric("renkei_config_reloads_total", outcome="success"), (None, 0))

    def test_unreadable_config_keeps_the_old_one_serving(self):
        hub = Hub(self, "", "reload-faults")
        hub.start()
        cfg, maps = hub.config_dir, hub.codemaps_dir
        cases = [
            ("routes.yaml a symlink loop", lambda: loop_in_place_of(cfg / "routes.yaml"), str(cfg / "routes.yaml")),
            ("calendar/ a symlink loop", lambda: loop_in_place_of(cfg / "calendar"), "holiday-exceptions.yaml"),
            ("codemaps/gaiji a symlink loop", lambda: loop_in_place_of(maps / "gaiji"), "codemaps/gaiji"),
            ("a gaiji table a FIFO", lambda: fifo_in_place_of(maps / "gaiji" / "resident-record.tsv"),
             "codemaps/gaiji/resident-record.tsv"),
            ("routes.yaml a FIFO", lambda: fifo_in_place_of(cfg / "routes.yaml"), str(cfg / "routes.yaml")),
            ("systems.yaml a directory", lambda: self.dir_in_place_of(cfg / "systems.yaml"),
             str(cfg / "systems.yaml")),
        ]
        for n, (what, breaking, shown) in enumerate(cases, start=1):
            with self.subTest(what):
                restore = breaking()
                try:
                    self.reload_fails(hub, n, shown)
                    self.checks_refuse(hub, shown)
                finally:
                    restore()

        # The old configuration still delivers on route 9.
        data = h.make_file(200, h.unique("t"))
        hub.drop("after-faulty-reloads.csv", data)
        files = hub.wait_delivered("after-faulty-reloads.csv", 60)
        self.assertEqual(len(files), 1)
        self.assertSameFile(files[0], data)

        # Put back: the next reload succeeds.
        hub.signal(signal.SIGHUP)
        h.wait_for(lambda: hub.metric("renkei_config_reloads_total", outcome="success") == 1, 30,
                   'config_reloads_total{outcome="success"} == 1', on_timeout=hub.log_tail)
        self.assertEqual(hub.metric("renkei_config_reloads_total", outcome="failure"), len(cases))
        self.assertTrue(hub.alive())
        hub.stop()

    @staticmethod
    def dir_in_place_of(path):
        saved = path.with_name(path.name + ".saved")
        os.rename(path, saved)
        path.mkdir()

        def restore():
            shutil.rmtree(path)
            os.rename(saved, path)
        return restore


if __name__ == "__main__":
    unittest.main()
