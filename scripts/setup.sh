#!/usr/bin/env bash
# Installs what renkei needs to build and test, from Debian's packages. Safe to run
# again: it installs only what is missing, and runs apt-get update only then.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev libboost-system-dev librdkafka-dev nlohmann-json3-dev libspdlog-dev
  libssl-dev libyaml-cpp-dev libicu-dev icu-devtools libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev libsystemd-dev
  libjemalloc-dev libsodium-dev libcurl4-openssl-dev
  python3 kcat
  # the test broker (scripts/kafka.sh): Kafka's jars come from Maven Central via mvn
  openjdk-17-jre-headless maven
  # the operations tests (tests/ops): promtool and a Prometheus server, systemd-analyze, PyYAML,
  # headless Chromium for the status page, the openssl tool for a test certificate
  prometheus systemd python3-yaml chromium fonts-ipafont-gothic openssl
  # the console's browser tests: chromedriver for Selenium (Selenium itself from PyPI, below)
  chromium-driver python3-venv
  # notifications: the SMTP receiver the notifier's tests send to
  python3-aiosmtpd
  # the fuzz run (scripts/fuzz.sh): clang 16 and its libFuzzer (clang 14 cannot compile std::expected)
  clang-16 libclang-rt-16-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A JDK and Maven installed some other way (not from apt) serve as well.
if command -v java >/dev/null && command -v mvn >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do
    [[ $p == openjdk-17-jre-headless || $p == maven ]] || filtered+=("$p")
  done
  missing=("${filtered[@]}")
fi

# Selenium is not packaged by Debian 12: the browser tests get it from PyPI, pinned, into a
# venv of their own (tests/integration/CMakeLists.txt runs them with its python3).
selenium_venv() {
  local venv=${RENKEI_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/renkei/test-venv}
  if "$venv/bin/python3" -c 'import selenium, sys; sys.exit(selenium.__version__ != "4.38.0")' 2>/dev/null; then
    return
  fi
  echo "setup: Selenium 4.38.0 into $venv"
  python3 -m venv --system-site-packages "$venv"
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check "selenium==4.38.0"
}

if ((${#missing[@]} == 0)); then
  echo "setup: all packages present"
  selenium_venv
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The prometheus package starts its own service on :9090 where systemd runs. The tests start
# their own server on a free port; this one would only hold the port docker/compose.yaml uses.
if [[ " ${missing[*]} " == *" prometheus "* && -d /run/systemd/system ]]; then
  "${sudo[@]}" systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  echo "setup: stopped and disabled the prometheus service the package started (the tests run their own)"
fi
selenium_venv
