"""Shared helpers of the operations tests (tests/ops).

Environment (set by tests/ops/CMakeLists.txt): RENKEID, RENKEICTL, RENKEI_SOURCE_DIR.
The tools these tests drive (systemd-analyze, promtool, prometheus, PyYAML) come from
Debian packages that scripts/setup.sh installs; a missing one fails the test with a
message naming the package, it never skips.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

SRC = Path(os.environ.get("RENKEI_SOURCE_DIR", Path(__file__).resolve().parents[2]))
RENKEID = os.environ.get("RENKEID", str(SRC / "build" / "src" / "renkeid"))
RENKEICTL = os.environ.get("RENKEICTL", str(SRC / "build" / "src" / "renkeictl"))
DOCKER = SRC / "docker"
UNIT = SRC / "scripts" / "systemd" / "renkeid.service"
INSTALL_SH = SRC / "scripts" / "install.sh"
SETUP_SH = SRC / "scripts" / "setup.sh"

# The integration harness (tests/integration/harness.py) starts renkeid with its own
# config copy, spool, state and an ephemeral port; the ops tests reuse it as it is.
sys.path.insert(0, str(SRC / "tests" / "integration"))

TOOL_PACKAGES = {
    "systemd-analyze": "systemd",
    "promtool": "prometheus",
    "prometheus": "prometheus",
    "apt-cache": "apt",
    "dpkg-query": "dpkg",
    "ldd": "libc-bin",
    "cmake": "cmake",
    "bash": "bash",
}


def tool(testcase, name):
    """The path of a command-line tool, or a test failure naming its Debian package."""
    path = shutil.which(name)
    if not path:
        testcase.fail(f"'{name}' not found on PATH: install the Debian package "
                      f"'{TOOL_PACKAGES.get(name, name)}' (scripts/setup.sh does)")
    return path


def yaml_module(testcase):
    try:
        import yaml
    except ImportError:
        testcase.fail("PyYAML is missing: install the Debian package 'python3-yaml' (scripts/setup.sh does)")
    return yaml


def load_yaml(testcase, path):
    yaml = yaml_module(testcase)
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def run(cmd, timeout=120, **kw):
    """Runs cmd and returns the CompletedProcess (text mode, output captured)."""
    return subprocess.run([str(c) for c in cmd], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout, **kw)


def describe(r):
    return f"exit {r.returncode}\n--- stdout ---\n{r.stdout}\n--- stderr ---\n{r.stderr}"


def free_port():
    """A TCP port that was free on loopback a moment ago (callers retry on a clash)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listen_port(listen):
    """'host:port' → port (int)."""
    return int(listen.rsplit(":", 1)[1])


def setup_packages():
    """The package names of scripts/setup.sh's `packages=( ... )` array."""
    text = SETUP_SH.read_text(encoding="utf-8")
    m = re.search(r"^packages=\((.*?)^\)", text, re.S | re.M)
    if not m:
        raise AssertionError(f"{SETUP_SH}: no packages=( ... ) array found")
    names = []
    for line in m.group(1).splitlines():
        line = line.split("#", 1)[0]
        names.extend(line.split())
    return names
