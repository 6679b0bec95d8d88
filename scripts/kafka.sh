#!/usr/bin/env bash
# Installs and runs a real Apache Kafka broker (single node, KRaft mode,
# combined broker+controller) on loopback, for renkei's tests.
#
# The broker comes from Maven Central as jars (kafka_2.13 and its runtime
# dependencies, see scripts/kafka/pom.xml), resolved with mvn into a cache dir,
# and is run with plain java; no tarball and no Docker are needed.
#
# Usage: scripts/kafka.sh install|start [--keep]|stop|status|env
#
#   install   resolve the jars into $RENKEI_CACHE/kafka-<version>/libs
#             (default cache: ~/.cache/renkei); a no-op once done
#   start     install if needed, format fresh storage (kept with --keep),
#             start the broker in the background, wait until it answers
#   stop      SIGTERM, up to 30 s, then SIGKILL
#   status    exit 0 if the broker runs and answers, 1 otherwise
#   env       print RENKEI_TEST_BROKERS=127.0.0.1:<port>
#             (use as: export "$(scripts/kafka.sh env)")
#
# Environment:
#   RENKEI_KAFKA_PORT             client listener port (19092)
#   RENKEI_KAFKA_CONTROLLER_PORT  KRaft controller port (19093)
#   RENKEI_KAFKA_DIR              data, logs, pid file (/tmp/renkei-kafka-<port>)
#   RENKEI_KAFKA_VERSION          Kafka version to resolve (3.9.2)
#   RENKEI_KAFKA_HEAP_OPTS        JVM heap options (-Xms128m -Xmx512m)
#   RENKEI_KAFKA_JVM_OPTS         extra JVM options
#   RENKEI_KAFKA_START_TIMEOUT    seconds to wait for the broker (90)
#   RENKEI_CACHE                  cache root (~/.cache/renkei)
#   RENKEI_MVN_OPTS               extra mvn options for install (e.g. -o)
#
# Broker logs: $RENKEI_KAFKA_DIR/logs/server.log (JVM output: kafka.out).
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
HELPER_DIR=$SCRIPT_DIR/kafka
POM=$HELPER_DIR/pom.xml
LOG4J_CONFIG=$HELPER_DIR/log4j.properties

KAFKA_VERSION=${RENKEI_KAFKA_VERSION:-3.9.2}
CACHE_ROOT=${RENKEI_CACHE:-${HOME:-/tmp}/.cache/renkei}
INSTALL_DIR=$CACHE_ROOT/kafka-$KAFKA_VERSION
LIBS=$INSTALL_DIR/libs
STAMP=$INSTALL_DIR/installed.stamp

PORT=${RENKEI_KAFKA_PORT:-19092}
CONTROLLER_PORT=${RENKEI_KAFKA_CONTROLLER_PORT:-19093}
HOST=127.0.0.1
KAFKA_DIR=${RENKEI_KAFKA_DIR:-/tmp/renkei-kafka-$PORT}
DATA_DIR=$KAFKA_DIR/data
LOG_DIR=$KAFKA_DIR/logs
PROPS=$KAFKA_DIR/server.properties
PIDFILE=$KAFKA_DIR/kafka.pid
START_TIMEOUT=${RENKEI_KAFKA_START_TIMEOUT:-90}
STOP_TIMEOUT=30

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

java_bin() {
    if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
        printf '%s\n' "$JAVA_HOME/bin/java"
    elif command -v java >/dev/null 2>&1; then
        command -v java
    else
        die "java not found (install a JDK/JRE 17, e.g. the Debian package openjdk-17-jre-headless)"
    fi
}

# The stamp records the version and the pom it was resolved from, so editing
# the pom (or asking for another version) triggers a fresh resolution.
stamp_content() {
    printf 'kafka %s\npom %s\n' "$KAFKA_VERSION" "$(sha256sum "$POM" | cut -d' ' -f1)"
}

is_installed() {
    [[ -f "$STAMP" && -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] &&
        [[ "$(cat "$STAMP")" == "$(stamp_content)" ]]
}

cmd_install() {
    if is_installed; then
        log "kafka $KAFKA_VERSION already installed in $LIBS"
        return 0
    fi
    command -v mvn >/dev/null 2>&1 || die "mvn not found (install the Debian package maven)"
    command -v flock >/dev/null 2>&1 || die "flock not found (install the Debian package util-linux)"
    mkdir -p "$INSTALL_DIR"
    # Serialise concurrent installs (e.g. two test jobs starting brokers).
    exec 9>"$INSTALL_DIR/install.lock"
    flock 9
    if is_installed; then
        exec 9>&-
        log "kafka $KAFKA_VERSION already installed in $LIBS"
        return 0
    fi
    log "resolving kafka $KAFKA_VERSION jars with mvn into $LIBS ..."
    local tmp mvn_log
    tmp=$(mktemp -d "$INSTALL_DIR/libs.tmp.XXXXXX")
    mvn_log=$INSTALL_DIR/mvn.log
    # shellcheck disable=SC2086  # RENKEI_MVN_OPTS is a list of options
    if ! mvn -B -q -f "$POM" ${RENKEI_MVN_OPTS:-} \
            -Dkafka.version="$KAFKA_VERSION" \
            dependency:copy-dependencies \
            -DincludeScope=runtime -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
        tail -n 40 "$mvn_log" >&2 || true
        rm -rf "$tmp"
        die "mvn could not resolve kafka $KAFKA_VERSION (full output: $mvn_log)"
    fi
    local jar
    for jar in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-clients-$KAFKA_VERSION.jar" \
               "kafka-server-$KAFKA_VERSION.jar" "kafka-raft-$KAFKA_VERSION.jar" \
               "kafka-storage-$KAFKA_VERSION.jar" "kafka-metadata-$KAFKA_VERSION.jar"; do
        [[ -f "$tmp/$jar" ]] || { rm -rf "$tmp"; die "resolved jars lack $jar"; }
    done
    ls "$tmp"/slf4j-reload4j-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "resolved jars lack an slf4j binding"; }
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    stamp_content >"$STAMP"
    exec 9>&-
    log "kafka $KAFKA_VERSION installed in $LIBS ($(find "$LIBS" -name '*.jar' | wc -l) jars)"
}

# --- process helpers -------------------------------------------------------

read_pid() {
    local pid=
    if [[ -f "$PIDFILE" ]]; then
        read -r pid <"$PIDFILE" 2>/dev/null || true
    fi
    [[ "$pid" =~ ^[0-9]+$ ]] && printf '%s\n' "$pid"
}

# True if process $1 exists and is not a zombie (a broker started by this
# very script stays a zombie child of it until the script exits).
is_alive() {
    local state
    state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# True if $1 is a live broker process using our server.properties.
is_our_broker() {
    local pid=$1 cmdline
    is_alive "$pid" || return 1
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ "$cmdline" == *kafka.Kafka*"$PROPS"* ]]
}

running_pid() {
    local pid
    pid=$(read_pid) || return 1
    is_our_broker "$pid" || return 1
    printf '%s\n' "$pid"
}

answers() {
    command -v kcat >/dev/null 2>&1 || die "kcat not found (install the Debian package kcat)"
    # A closed port makes kcat wait for its whole metadata timeout; a plain
    # connect fails at once.
    port_in_use "$PORT" || return 1
    local out
    out=$(timeout 15 kcat -b "$HOST:$PORT" -L -m 5 -X log_level=0 2>/dev/null) || return 1
    [[ "$out" == *"broker 1 at"* ]]
}

port_in_use() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

show_log_tail() {
    local f
    for f in "$LOG_DIR/kafka.out" "$LOG_DIR/server.log"; do
        if [[ -s "$f" ]]; then
            printf -- '--- last lines of %s ---\n' "$f" >&2
            tail -n 40 "$f" >&2
        fi
    done
}

# Waits until the broker with pid $1 answers. Returns 1 if it died, 2 on
# timeout. Only liveness is checked: just after the launch the pid may still
# be the forked shell on its way to exec java.
wait_ready() {
    local pid=$1 deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        is_alive "$pid" || return 1
        if answers; then
            return 0
        fi
        sleep 0.5
    done
    return 2
}

# Serialises start/stop on one broker dir (e.g. two test jobs starting the
# same broker at once: the second one then finds it running).
lock_broker_dir() {
    mkdir -p "$KAFKA_DIR"
    exec 8>"$KAFKA_DIR/.lock"
    flock 8
}

# --- subcommands ------------------------------------------------------------

write_properties() {
    cat >"$PROPS" <<EOF
# Written by scripts/kafka.sh on each start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

# Single node: every internal topic has one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# Fewer internal partitions than the defaults (50) so that the first
# consumer group or transaction on a fresh broker is quick on a small machine.
offsets.topic.num.partitions=4
transaction.state.log.num.partitions=4

group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=1

# Sized for a 2-core test machine.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
}

random_cluster_id() {
    # A Kafka Uuid string: 16 random bytes, unpadded URL-safe base64, not
    # starting with '-' (as kafka.tools.StorageTool random-uuid makes them).
    local id
    while :; do
        id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
        [[ "$id" != -* ]] && break
    done
    printf '%s\n' "$id"
}

cmd_start() {
    local keep=0 arg
    for arg in "$@"; do
        case $arg in
            --keep) keep=1 ;;
            *) die "start: unknown option $arg" ;;
        esac
    done

    lock_broker_dir
    local pid
    if pid=$(running_pid); then
        if answers; then
            echo "kafka $KAFKA_VERSION already running on $HOST:$PORT (pid $pid)"
            return 0
        fi
        log "broker process $pid exists but does not answer yet; waiting"
        if wait_ready "$pid"; then
            echo "kafka $KAFKA_VERSION ready on $HOST:$PORT"
            return 0
        fi
        show_log_tail
        die "broker process $pid does not answer on $HOST:$PORT; try: $0 stop"
    fi
    rm -f "$PIDFILE"

    local p
    for p in "$PORT" "$CONTROLLER_PORT"; do
        if port_in_use "$p"; then
            die "port $HOST:$p is already in use by another process"
        fi
    done

    is_installed || cmd_install
    local java
    java=$(java_bin)

    mkdir -p "$KAFKA_DIR" "$LOG_DIR"
    if ((!keep)); then
        rm -rf "$DATA_DIR"
    fi
    mkdir -p "$DATA_DIR"
    write_properties
    # Old logs are kept one generation back.
    local f
    for f in server.log kafka.out; do
        [[ -f "$LOG_DIR/$f" ]] && mv -f "$LOG_DIR/$f" "$LOG_DIR/$f.prev"
    done

    local -a jvm_common=(
        -cp "$LIBS/*"
        -Djava.awt.headless=true
        "-Dlog4j.configuration=file:$LOG4J_CONFIG"
        "-Dkafka.logs.dir=$LOG_DIR"
    )

    if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
        local cluster_id
        cluster_id=$(random_cluster_id)
        # Short-lived JVM: C1 only and serial GC start faster.
        if ! "$java" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
                "${jvm_common[@]}" kafka.tools.StorageTool \
                format -t "$cluster_id" -c "$PROPS" >"$LOG_DIR/format.log" 2>&1; then
            cat "$LOG_DIR/format.log" >&2
            die "formatting the storage in $DATA_DIR failed"
        fi
    fi

    local -a heap jvm_extra
    read -r -a heap <<<"${RENKEI_KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
    read -r -a jvm_extra <<<"${RENKEI_KAFKA_JVM_OPTS:-}"
    # setsid: the broker must not get the terminal's signals (e.g. Ctrl-C
    # in the shell that ran this script).
    (
        cd "$KAFKA_DIR"
        exec setsid "$java" "${heap[@]}" \
            -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
            -XX:+ExplicitGCInvokesConcurrent \
            "${jvm_common[@]}" "${jvm_extra[@]}" \
            kafka.Kafka "$PROPS"
    ) </dev/null >"$LOG_DIR/kafka.out" 2>&1 8>&- &
    pid=$!
    echo "$pid" >"$PIDFILE"

    local rc=0
    wait_ready "$pid" || rc=$?
    case $rc in
        0)
            echo "kafka $KAFKA_VERSION ready on $HOST:$PORT"
            ;;
        1)
            show_log_tail
            rm -f "$PIDFILE"
            die "the broker exited during startup (logs in $LOG_DIR)"
            ;;
        *)
            show_log_tail
            log "the broker did not answer on $HOST:$PORT within ${START_TIMEOUT}s; stopping it"
            cmd_stop >&2 || true
            exit 1
            ;;
    esac
}

cmd_stop() {
    [[ -d "$KAFKA_DIR" ]] && lock_broker_dir
    local pid
    if ! pid=$(running_pid); then
        rm -f "$PIDFILE"
        echo "kafka not running on $HOST:$PORT"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while is_our_broker "$pid" && ((SECONDS < deadline)); do
        sleep 0.3
    done
    if is_our_broker "$pid"; then
        log "broker $pid still alive after ${STOP_TIMEOUT}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while is_our_broker "$pid"; do sleep 0.1; done
    fi
    rm -f "$PIDFILE"
    echo "kafka stopped"
}

cmd_status() {
    local pid
    if pid=$(running_pid) && answers; then
        echo "kafka $KAFKA_VERSION running on $HOST:$PORT (pid $pid, logs in $LOG_DIR)"
        return 0
    fi
    echo "kafka not running on $HOST:$PORT"
    return 1
}

cmd_env() {
    echo "RENKEI_TEST_BROKERS=$HOST:$PORT"
}

main() {
    local cmd=${1:-}
    (($#)) && shift
    case $cmd in
        install) cmd_install "$@" ;;
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status "$@" ;;
        env) cmd_env "$@" ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
