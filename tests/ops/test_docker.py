"""docker/: what can be checked without a Docker engine.

Dockerfile: two stages from Debian 12, the build stage installs the -dev packages of
scripts/setup.sh, the runtime stage's packages cover every shared library the built
binaries load (ldd → dpkg → apt-cache's dependency closure), the image runs as a
non-root user, declares the spool and state volumes, exposes the admin port, and its
HEALTHCHECK command, run here against a real renkeid, passes (and fails on a closed port).
compose.yaml: Kafka 3.9.x in KRaft mode, renkeid depending on a healthy Kafka, Prometheus
with the checked config, volumes declared and mounted where docker/hub.yaml expects them.
The configuration the container sees (laid out from the Dockerfile's COPY lines, and
again from compose's bind mounts) validates with renkeictl and renkeid --check.
"""

import json
import re
import shutil
import tempfile
import unittest
from pathlib import Path

import opsutil as u

DOCKERFILE = u.DOCKER / "Dockerfile"
DOCKERIGNORE = u.DOCKER / "Dockerfile.dockerignore"
COMPOSE = u.DOCKER / "compose.yaml"
HUB_YAML = u.DOCKER / "hub.yaml"
CONFIG_IN_IMAGE = "/etc/renkei/hub.yaml"
# Needed only by the tests and benchmarks, which the image does not build.
TEST_ONLY_DEV = {"libgtest-dev", "libgmock-dev", "libbenchmark-dev", "libclang-rt-16-dev"}  # + the fuzz run's runtime
SANITIZER_LIBS = re.compile(r"lib(asan|ubsan|tsan|lsan)\.so")


def dockerfile_instructions(text):
    """[(INSTRUCTION, arguments)], continuation lines joined, comments dropped."""
    out, buf = [], ""
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#") or (not buf and not s):
            continue
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        buf += s
        instr, _, rest = buf.partition(" ")
        out.append((instr.upper(), rest.strip()))
        buf = ""
    if buf:
        raise AssertionError(f"Dockerfile ends inside a continued line: {buf!r}")
    return out


def stages(instructions):
    """[(FROM arguments, [instructions of the stage])]."""
    out = []
    for instr, args in instructions:
        if instr == "FROM":
            out.append((args, []))
        elif out:
            out[-1][1].append((instr, args))
        elif instr != "ARG":
            raise AssertionError(f"{instr} before the first FROM")
    return out


def apt_packages(run_args):
    """The package names of `apt-get install ...` in a RUN instruction."""
    m = re.search(r"apt-get install (.*?)(?:&&|$)", run_args)
    if not m:
        return []
    return [t for t in m.group(1).split() if not t.startswith("-")]


def copy_args(args):
    """COPY arguments → (flags {name: value}, sources, destination)."""
    words = args.split()
    flags = {}
    while words and words[0].startswith("--"):
        k, _, v = words.pop(0)[2:].partition("=")
        flags[k] = v
    return flags, words[:-1], words[-1]


class Dockerfile(unittest.TestCase):

    def setUp(self):
        self.instructions = dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))
        self.stages = stages(self.instructions)
        self.build_stage = self.stages[0][1]
        self.runtime = self.stages[-1][1]
        self.hub = u.load_yaml(self, HUB_YAML)

    def runtime_one(self, instr):
        found = [a for i, a in self.runtime if i == instr]
        self.assertEqual(len(found), 1, f"expected one {instr} in the runtime stage, found {found}")
        return found[0]

    def test_two_stages_from_debian_12(self):
        froms = [re.sub(r"\s+", " ", f).lower() for f, _ in self.stages]
        self.assertEqual(len(froms), 2, froms)
        self.assertRegex(froms[0], r"^debian:12 as \w+$")
        self.assertRegex(froms[1], r"^debian:12-slim( as \w+)?$")
        build_name = froms[0].split()[-1]
        copies = [copy_args(a)[0] for i, a in self.runtime if i == "COPY"]
        self.assertIn({"from": build_name}, [{k: v for k, v in f.items() if k == "from"} for f in copies],
                      "the runtime stage takes the binaries from the build stage")

    def test_runtime_runs_as_an_unprivileged_user(self):
        user = self.runtime_one("USER")
        self.assertNotIn(user.split(":")[0], {"root", "0"}, user)
        position = [i for i, _ in self.runtime].index("USER")
        self.assertNotIn("RUN", [i for i, _ in self.runtime[position:]], "RUN after USER would run as that user")
        runs = " ".join(a for i, a in self.runtime if i == "RUN")
        uid, _, gid = user.partition(":")
        self.assertRegex(runs, rf"useradd .*--uid {uid}\b", "USER names the account the image creates")
        if gid:
            self.assertRegex(runs, rf"groupadd .*--gid {gid}\b")

    def test_build_stage_has_the_dev_packages_of_setup_sh(self):
        packages = set()
        for i, a in self.build_stage:
            if i == "RUN":
                packages.update(apt_packages(a))
        needed = {p for p in u.setup_packages() if p.endswith("-dev")} - TEST_ONLY_DEV
        needed |= {"build-essential", "cmake", "ninja-build", "pkg-config"}
        self.assertEqual(needed - packages, set(), "build stage lacks packages that scripts/setup.sh installs")
        runs = " ".join(a for i, a in self.build_stage if i == "RUN")
        for flag in ("-DRENKEI_BUILD_TESTS=OFF", "-DRENKEI_BUILD_BENCH=OFF"):
            self.assertIn(flag, runs, "without GoogleTest/Benchmark in the image, tests and benchmarks stay off")

    def test_build_stage_configures_from_what_it_copies(self):
        # The build stage sees only what it copies: CMake must configure from that alone
        # (with the stage's own -D flags), e.g. no add_subdirectory of a folder left out.
        tmp = Path(tempfile.mkdtemp(prefix="renkei-ops-buildstage-"))
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        workdir = tmp
        for i, a in self.build_stage:
            if i == "COPY":
                flags, sources, dest = copy_args(a)
                self.assertNotIn("from", flags)
                for src in sources:
                    source, target = u.SRC / src, workdir / dest
                    if source.is_dir():
                        shutil.copytree(source, target if dest not in (".", "./") else workdir / source.name,
                                        dirs_exist_ok=True)
                    else:
                        target = target / source.name if dest.endswith("/") or dest in (".", "./") else target
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(source, target)
        runs = " ".join(a for i, a in self.build_stage if i == "RUN")
        m = re.search(r"cmake -S \. -B (\S+)(.*?)&&", runs)
        self.assertIsNotNone(m, "no `cmake -S . -B <dir> ...` in the build stage")
        flags = [f for f in m.group(2).split() if f.startswith("-D")]
        r = u.run([u.tool(self, "cmake"), "-S", workdir, "-B", workdir / m.group(1), "-G", "Ninja", *flags],
                  timeout=300)
        self.assertEqual(r.returncode, 0, u.describe(r))

    def test_runtime_packages_cover_the_shared_libraries(self):
        runtime = set()
        for i, a in self.runtime:
            if i == "RUN":
                runtime.update(apt_packages(a))
        self.assertTrue(runtime, "the runtime stage installs no packages")
        apt_cache = u.tool(self, "apt-cache")
        for p in sorted(runtime):
            r = u.run([apt_cache, "show", "--no-all-versions", p], timeout=60)
            self.assertEqual(r.returncode, 0, f"runtime package {p} is unknown to apt:\n{u.describe(r)}")
        r = u.run([apt_cache, "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
                   "--no-breaks", "--no-replaces", "--no-enhances", *sorted(runtime)], timeout=120)
        self.assertEqual(r.returncode, 0, u.describe(r))
        closure = {line.strip() for line in r.stdout.splitlines() if line and not line.startswith(" ")}
        needed = {}
        for binary in (u.RENKEID, u.RENKEICTL):
            for lib in self._shared_libraries(binary):
                needed.setdefault(self._package_of(lib), set()).add(Path(lib).name)
        missing = {p: sorted(libs) for p, libs in needed.items() if p not in closure}
        self.assertEqual(missing, {}, "libraries of the binaries whose packages the runtime stage lacks")

    def _shared_libraries(self, binary):
        r = u.run([u.tool(self, "ldd"), binary], timeout=60)
        self.assertEqual(r.returncode, 0, u.describe(r))
        libs = []
        for line in r.stdout.splitlines():
            m = re.search(r"=>\s*(/\S+)", line)
            if m and not SANITIZER_LIBS.search(m.group(1)):
                libs.append(m.group(1))
        self.assertTrue(libs, f"ldd found no shared libraries in {binary}:\n{r.stdout}")
        return libs

    def _package_of(self, lib):
        candidates = {lib, str(Path(lib).resolve())}
        for c in list(candidates):  # Debian 12 is merged-/usr: dpkg may know either spelling
            candidates.add(c[4:] if c.startswith("/usr/") else "/usr" + c)
        dpkg_query = u.tool(self, "dpkg-query")
        for c in sorted(candidates):
            r = u.run([dpkg_query, "-S", c], timeout=60)
            if r.returncode == 0:
                # "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6" → libc6
                return r.stdout.split(": ")[0].split(",")[0].split(":")[0].strip()
        self.fail(f"no Debian package owns {lib} (tried {sorted(candidates)})")

    def test_copy_sources_exist_and_are_in_the_build_context(self):
        ignore = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")]
        self.assertEqual(ignore[0], "**", "the context starts empty and names what the image needs")
        allowed = [p[1:].rstrip("/") for p in ignore[1:] if p.startswith("!")]
        for _, body in self.stages:
            for i, a in body:
                if i != "COPY":
                    continue
                flags, sources, _ = copy_args(a)
                if "from" in flags:
                    continue
                for s in sources:
                    s = s.rstrip("/")
                    self.assertTrue((u.SRC / s).exists(), f"COPY source {s} does not exist")
                    self.assertTrue(any(s == p or s.startswith(p + "/") for p in allowed),
                                    f"COPY source {s} is excluded by {DOCKERIGNORE.name}")

    def test_volumes_port_and_command_match_hub_yaml(self):
        volumes = json.loads(self.runtime_one("VOLUME"))
        self.assertEqual(sorted(volumes), sorted([self.hub["spool"]["root"], self.hub["state"]["dir"]]))
        self.assertTrue(self.hub["auth"]["token_file"].startswith(self.hub["state"]["dir"] + "/"))
        self.assertEqual(self.runtime_one("EXPOSE"), str(u.listen_port(self.hub["http"]["listen"])))
        argv = json.loads(self.runtime_one("ENTRYPOINT")) + json.loads(self.runtime_one("CMD"))
        self.assertEqual(argv, ["/usr/local/bin/renkeid", "--config", CONFIG_IN_IMAGE])

    def test_configuration_in_the_image_validates(self):
        # The files the runtime stage copies below /etc/renkei, as COPY places them
        # (a directory's contents into the destination directory), minus what the
        # .dockerignore leaves out of the context (plain paths after the re-inclusions).
        ignore = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")]
        excluded = {p.rstrip("/") for p in ignore[1:] if not p.startswith("!")}
        root = Path(tempfile.mkdtemp(prefix="renkei-ops-image-"))
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        for i, a in self.runtime:
            if i != "COPY":
                continue
            flags, sources, dest = copy_args(a)
            if "from" in flags or not dest.startswith("/etc/renkei"):
                continue
            for s in sources:
                source, target = u.SRC / s, root / dest.lstrip("/")
                if source.is_dir():
                    shutil.copytree(source, target, dirs_exist_ok=True, ignore=lambda d, names: [
                        n for n in names if str((Path(d) / n).relative_to(u.SRC)) in excluded])
                    continue
                if dest.endswith("/"):
                    target = target / source.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        self.assertFalse((root / "etc/renkei/catalogue/hub.yaml").exists(), "the embedded-mode hub.yaml is left out")
        validate_layout(self, root)

    def test_healthcheck_passes_on_a_live_renkeid_and_fails_on_a_dead_one(self):
        import harness
        m = re.fullmatch(r"((?:--\S+\s+)*)CMD\s+(\[.*\])", self.runtime_one("HEALTHCHECK"), re.S)
        self.assertIsNotNone(m, "HEALTHCHECK must use the exec form")
        self.assertIn("--timeout=", m.group(1))
        argv = json.loads(m.group(2))
        port = str(u.listen_port(self.hub["http"]["listen"]))
        self.assertIn("/healthz", " ".join(argv))
        self.assertIn(f"/{port} ", " ".join(argv) + " ")
        u.tool(self, argv[0])
        hub = harness.Hub(self, "", "ops-healthcheck").start()
        live = [a.replace(f"/{port}", f"/{hub.port}") for a in argv]
        r = u.run(live, timeout=30)
        self.assertEqual(r.returncode, 0, u.describe(r))
        hub.stop()
        r = u.run(live, timeout=30)
        self.assertNotEqual(r.returncode, 0, "healthcheck passed with renkeid stopped:\n" + u.describe(r))


def validate_layout(testcase, root):
    """renkeictl validate and renkeid --check on <root>/etc/renkei/hub.yaml."""
    hub_yaml = root / CONFIG_IN_IMAGE.lstrip("/")
    testcase.assertTrue(hub_yaml.is_file(), f"{CONFIG_IN_IMAGE} is not placed")
    r = u.run([u.RENKEICTL, "validate", "--config", hub_yaml])
    testcase.assertEqual(r.returncode, 0, u.describe(r))
    testcase.assertIn("valid:", r.stdout)
    r = u.run([u.RENKEID, "--check", "--config", hub_yaml])
    testcase.assertEqual(r.returncode, 0, u.describe(r))


class Compose(unittest.TestCase):

    def setUp(self):
        self.compose = u.load_yaml(self, COMPOSE)
        self.services = self.compose.get("services") or {}
        self.hub = u.load_yaml(self, HUB_YAML)

    def env(self, service):
        env = self.services[service].get("environment") or {}
        if isinstance(env, list):
            env = dict(e.split("=", 1) for e in env)
        return {k: str(v) for k, v in env.items()}

    def mounts(self, service):
        """[(source, target, options)] of a service's short-syntax volumes."""
        out = []
        for v in self.services[service].get("volumes") or []:
            parts = v.split(":")
            out.append((parts[0], parts[1], parts[2:] if len(parts) > 2 else []))
        return out

    def test_services(self):
        self.assertLessEqual({"kafka", "renkeid", "prometheus"}, set(self.services))
        for name, s in self.services.items():
            self.assertTrue(s.get("image") or s.get("build"), f"{name}: neither image nor build")
            for p in s.get("ports") or []:
                self.assertTrue(str(p).startswith("127.0.0.1:"), f"{name}: port {p} published beyond loopback")

    def test_kafka_is_3_9_in_kraft_mode(self):
        image = self.services["kafka"]["image"]
        m = re.fullmatch(r"apache/kafka:(3\.9\.\d+)", image)
        self.assertIsNotNone(m, f"kafka image {image}: must be apache/kafka 3.9.x (not 4.x, see README)")
        kafka_sh = (u.SRC / "scripts" / "kafka.sh").read_text(encoding="utf-8")
        self.assertIn(f"KAFKA_VERSION=${{RENKEI_KAFKA_VERSION:-{m.group(1)}}}", kafka_sh,
                      "the same Kafka version as the test broker of scripts/kafka.sh")
        env = self.env("kafka")
        self.assertEqual(set(env["KAFKA_PROCESS_ROLES"].split(",")), {"broker", "controller"})
        self.assertFalse([k for k in env if "ZOOKEEPER" in k])
        node, _, voter = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].partition("@")
        self.assertEqual(node, env["KAFKA_NODE_ID"])
        listeners = dict(l.split("://", 1) for l in env["KAFKA_LISTENERS"].split(","))
        controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
        self.assertEqual(listeners[controller].rsplit(":", 1)[1], voter.rsplit(":", 1)[1])
        self.assertRegex(env.get("CLUSTER_ID", ""), r"^[A-Za-z0-9_-]{22}$")
        self.assertEqual(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"], "1", "one broker")
        self.assertIn("test", self.services["kafka"].get("healthcheck") or {})
        # renkeid's bus.brokers is what Kafka advertises.
        advertised = {l.split("://", 1)[1] for l in env["KAFKA_ADVERTISED_LISTENERS"].split(",")}
        self.assertLessEqual(set(self.hub["bus"]["brokers"].split(",")), advertised)
        self.assertIn(self.hub["bus"]["brokers"].split(":")[0], self.services)

    def test_renkeid_service(self):
        s = self.services["renkeid"]
        context = (COMPOSE.parent / s["build"]["context"]).resolve()
        self.assertEqual(context, u.SRC.resolve())
        self.assertTrue((context / s["build"]["dockerfile"]).resolve() == DOCKERFILE.resolve())
        self.assertEqual(s["depends_on"]["kafka"]["condition"], "service_healthy")
        port = u.listen_port(self.hub["http"]["listen"])
        self.assertIn(f"127.0.0.1:{port}:{port}", s.get("ports") or [])
        targets = {t: src for src, t, _ in self.mounts("renkeid")}
        self.assertEqual(targets.get(self.hub["spool"]["root"]), "spool")
        self.assertEqual(targets.get(self.hub["state"]["dir"]), "state")
        self.assertIn(CONFIG_IN_IMAGE, targets)
        self.assertEqual((COMPOSE.parent / targets[CONFIG_IN_IMAGE]).resolve(), HUB_YAML.resolve())

    def test_named_volumes_declared_and_used(self):
        declared = set(self.compose.get("volumes") or {})
        used = {src for name in self.services for src, _, _ in self.mounts(name)
                if not src.startswith((".", "/", "~"))}
        self.assertEqual(used, declared)
        self.assertLessEqual({"spool", "state"}, declared)

    def test_bind_mounts_exist_and_are_read_only(self):
        for name in self.services:
            for src, target, opts in self.mounts(name):
                if src.startswith((".", "/")):
                    self.assertTrue((COMPOSE.parent / src).exists(), f"{name}: {src} does not exist")
                    self.assertIn("ro", opts, f"{name}: configuration mount {src} should be read-only")

    def test_configuration_mounted_into_renkeid_validates(self):
        root = Path(tempfile.mkdtemp(prefix="renkei-ops-compose-"))
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        for src, target, _ in self.mounts("renkeid"):
            if not target.startswith("/etc/renkei"):
                continue
            source = COMPOSE.parent / src
            dest = root / target.lstrip("/")
            if source.is_dir():
                shutil.copytree(source, dest)
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest)
        validate_layout(self, root)

    def test_prometheus_scrapes_renkeid_with_the_checked_rules(self):
        mounts = {t: (COMPOSE.parent / src).resolve() for src, t, _ in self.mounts("prometheus")
                  if src.startswith(".")}
        command = self.services["prometheus"].get("command") or []
        config_path = next((c.split("=", 1)[1] for c in command if c.startswith("--config.file=")),
                           "/etc/prometheus/prometheus.yml")
        self.assertEqual(mounts.get(config_path), (u.DOCKER / "prometheus" / "prometheus.yml").resolve())
        config = u.load_yaml(self, mounts[config_path])
        for rule_file in config.get("rule_files") or []:
            in_container = str(Path(config_path).parent / rule_file)
            self.assertIn(in_container, mounts, f"rule file {rule_file} is not mounted")
            self.assertTrue(mounts[in_container].is_file())
        jobs = {j["job_name"]: j for j in config["scrape_configs"]}
        self.assertIn("renkei", jobs, "the alert rules expect job=\"renkei\"")
        targets = [t for sc in jobs["renkei"]["static_configs"] for t in sc["targets"]]
        port = u.listen_port(self.hub["http"]["listen"])
        self.assertIn(f"renkeid:{port}", targets)
        self.assertIn("prometheus-data", {src for src, _, _ in self.mounts("prometheus")})


if __name__ == "__main__":
    unittest.main()
