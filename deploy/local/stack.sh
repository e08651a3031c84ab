#!/usr/bin/env bash
# Local stack for personahub, without Docker: Kafka 4 (KRaft, combined broker+controller), Apicurio Registry 3
# (in-memory, Confluent-compatible API) and Prometheus, all on 127.0.0.1.
#
#   deploy/local/stack.sh up|down|status [service...]     services: kafka registry prometheus (default: all)
#
# Invariants:
# - Every process this script starts is recorded in $STACK_DIR/<service>/pid; `down` stops exactly those and nothing
#   else (never a broad pkill), so several stacks on different ports/dirs can coexist.
# - Downloads happen only when the cache is missing or its manifest changed (stamp = sha256 of pom.xml / version);
#   a second `up` downloads nothing and does not even run Maven.
# - `up` is idempotent: a service that is already running (live pid) is left alone.
# - Waits are bounded (PERSONAHUB_STACK_TIMEOUT seconds per service).
# - Prometheus is optional (the metrics view): when its binary is not on PATH, `up` says once how to add it and
#   carries on with Kafka and the registry, and `status` reports it as "absent" without failing. Kafka and the
#   registry need only Java and Maven.
#
# Environment (defaults in brackets):
#   PERSONAHUB_STACK_DIR [<repo>/.stack]        data, logs, pid files
#   PERSONAHUB_CACHE_DIR [<repo>/.cache]        Maven repository, jars, Apicurio app
#   PERSONAHUB_KAFKA_PORT [19092]  PERSONAHUB_KAFKA_CONTROLLER_PORT [19093]
#   PERSONAHUB_REGISTRY_PORT [18081]  PERSONAHUB_PROMETHEUS_PORT [19090]
#   PERSONAHUB_PROMETHEUS_CONFIG [deploy/prometheus/prometheus.local.yml]
#   PERSONAHUB_KAFKA_HEAP [768m]  PERSONAHUB_REGISTRY_HEAP [512m]
#   PERSONAHUB_KAFKA_AUTO_CREATE [true]         broker auto.create.topics.enable
#   PERSONAHUB_STACK_TIMEOUT [120]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STACK_DIR="${PERSONAHUB_STACK_DIR:-$REPO/.stack}"
CACHE_DIR="${PERSONAHUB_CACHE_DIR:-$REPO/.cache}"
KAFKA_PORT="${PERSONAHUB_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${PERSONAHUB_KAFKA_CONTROLLER_PORT:-19093}"
REGISTRY_PORT="${PERSONAHUB_REGISTRY_PORT:-18081}"
PROMETHEUS_PORT="${PERSONAHUB_PROMETHEUS_PORT:-19090}"
KAFKA_HEAP="${PERSONAHUB_KAFKA_HEAP:-768m}"
REGISTRY_HEAP="${PERSONAHUB_REGISTRY_HEAP:-512m}"
AUTO_CREATE="${PERSONAHUB_KAFKA_AUTO_CREATE:-true}"
TIMEOUT="${PERSONAHUB_STACK_TIMEOUT:-120}"
APICURIO_VERSION="${PERSONAHUB_APICURIO_VERSION:-3.0.9}"
M2="$CACHE_DIR/m2"
# Maven's output goes to a log file (shown on failure), so `up` prints only what happened.
mvn_quiet() {
  mkdir -p "$STACK_DIR"
  mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$M2" "$@" >"$STACK_DIR/maven.log" 2>&1 \
    || { tail -n 40 "$STACK_DIR/maven.log" >&2; die "maven failed (full log: $STACK_DIR/maven.log)"; }
}

ALL_SERVICES=(kafka registry prometheus)

log() { printf '[stack] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- process bookkeeping ------------------------------------------------------------------------------------------
pid_file() { echo "$STACK_DIR/$1/pid"; }
running_pid() { # prints the pid if the service's recorded process is alive
  local f; f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 1
  local pid; pid="$(cat "$f")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
  return 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Start a command detached (own session, so a terminal's Ctrl-C or npm's exit does not hit it); record its pid.
launch() {
  local svc="$1"; shift
  mkdir -p "$STACK_DIR/$svc/logs"
  setsid nohup "$@" >"$STACK_DIR/$svc/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$svc")"
}
wait_http() { # url deadline-seconds pid
  local url="$1" deadline=$((SECONDS + $2)) pid="$3"
  until curl -fsS -o /dev/null -m 2 "$url" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || return 1
    (( SECONDS < deadline )) || return 1
    sleep 0.5
  done
}
stop_service() {
  local svc="$1" pid
  if ! pid="$(running_pid "$svc")"; then rm -f "$(pid_file "$svc")"; log "$svc: not running"; return 0; fi
  log "$svc: stopping pid $pid"
  # The pid leads its own session (setsid): signal the whole process group so no child is left behind.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 45))
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.3; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$svc: did not stop in 45s, killing"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
  fi
  rm -f "$(pid_file "$svc")"
}

# --- kafka --------------------------------------------------------------------------------------------------------
KAFKA_LIBS="$CACHE_DIR/kafka-libs"
fetch_kafka() {
  local stamp; stamp="$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$KAFKA_LIBS/.stamp" && "$(cat "$KAFKA_LIBS/.stamp")" == "$stamp" ]]; then return 0; fi
  command -v mvn >/dev/null || die "maven (mvn) is required to fetch Kafka: apt-get install -y maven"
  log "kafka: fetching jars from Maven Central into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS"
  mvn_quiet -f "$HERE/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS"
  echo "$stamp" >"$KAFKA_LIBS/.stamp"
}
kafka_java() { # runs a Kafka main class with the cached jars
  java -Xms128m -Xmx256m -Dlog4j2.configurationFile="$HERE/log4j2.xml" -Dkafka.logs.dir="$STACK_DIR/kafka/logs" \
    -cp "$KAFKA_LIBS/*" "$@"
}
write_kafka_config() {
  local dir="$STACK_DIR/kafka"
  cat >"$dir/server.properties" <<EOF
# Generated by deploy/local/stack.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${dir}/data
# Single node: every internal topic at replication factor 1 (transactions and share groups need these).
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
num.partitions=1
auto.create.topics.enable=${AUTO_CREATE}
# Tests create many short-lived groups: do not delay the first rebalance.
group.initial.rebalance.delay.ms=0
# KIP-848 consumer groups (personahub's default protocol): a crashed member's partitions move after 10 s instead
# of the default 45 s (heartbeat every second). Production brokers keep their own values.
group.consumer.min.session.timeout.ms=6000
group.consumer.session.timeout.ms=10000
group.consumer.min.heartbeat.interval.ms=1000
group.consumer.heartbeat.interval.ms=1000
num.network.threads=3
num.io.threads=4
log.retention.hours=168
log.segment.bytes=104857600
log.retention.check.interval.ms=60000
EOF
}
start_kafka() {
  local pid
  if pid="$(running_pid kafka)"; then log "kafka: already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"; return 0; fi
  command -v java >/dev/null || die "java 17+ is required: apt-get install -y openjdk-17-jre-headless"
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by a process this stack did not start"
  fetch_kafka
  local dir="$STACK_DIR/kafka"; mkdir -p "$dir/logs" "$dir/data"
  write_kafka_config
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    local cid; cid="$(kafka_java kafka.tools.StorageTool random-uuid | tail -n1)"
    echo "$cid" >"$dir/cluster.id"
    log "kafka: formatting storage, cluster id $cid"
    kafka_java kafka.tools.StorageTool format -t "$cid" -c "$dir/server.properties" --ignore-formatted \
      >"$dir/logs/format.log" 2>&1 || { cat "$dir/logs/format.log" >&2; die "kafka storage format failed"; }
  fi
  log "kafka: starting on 127.0.0.1:$KAFKA_PORT (controller $CONTROLLER_PORT)"
  launch kafka java -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$HERE/log4j2.xml" -Dkafka.logs.dir="$dir/logs" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties"
}
ready_kafka() {
  local pid dir="$STACK_DIR/kafka"
  pid="$(running_pid kafka)" || die "kafka is not running (see $dir/logs)"
  # Readiness: the broker answers metadata requests and its coordinators are loaded — not just an open port.
  local deadline=$((SECONDS + TIMEOUT))
  until port_open "$KAFKA_PORT"; do
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$dir/logs/stdout.log" >&2; die "kafka exited during startup"; }
    (( SECONDS < deadline )) || die "kafka did not open port $KAFKA_PORT in ${TIMEOUT}s (see $dir/logs)"
    sleep 0.5
  done
  if [[ -d "$REPO/node_modules/@platformatic/kafka" ]]; then
    node "$HERE/wait-kafka.mjs" "127.0.0.1:$KAFKA_PORT" "$((deadline - SECONDS > 5 ? deadline - SECONDS : 5))" >&2 \
      || die "kafka did not answer in ${TIMEOUT}s (see $dir/logs)"
  fi
  log "kafka: up (pid $pid)"
}

# --- registry (Apicurio 3, Quarkus app, in-memory H2 storage) ------------------------------------------------------
REGISTRY_HOME="$CACHE_DIR/apicurio-registry-$APICURIO_VERSION"
fetch_registry() {
  [[ -f "$REGISTRY_HOME/.complete" ]] && return 0
  command -v mvn >/dev/null || die "maven (mvn) is required to fetch Apicurio Registry: apt-get install -y maven"
  log "registry: fetching io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all from Maven Central"
  local dl="$CACHE_DIR/downloads"
  mvn_quiet dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
    -DoutputDirectory="$dl"
  # Unpack into a temp dir and rename: a half-unpacked app is never mistaken for a cached one.
  rm -rf "$REGISTRY_HOME.tmp"; mkdir -p "$REGISTRY_HOME.tmp"
  tar -xzf "$dl/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$REGISTRY_HOME.tmp"
  rm -f "$dl/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
  touch "$REGISTRY_HOME.tmp/.complete"
  rm -rf "$REGISTRY_HOME"; mv "$REGISTRY_HOME.tmp" "$REGISTRY_HOME"
}
# 3.0.x ships a legacy runner jar, 3.1+ the fast-jar layout (quarkus-run.jar).
registry_jar() {
  local j
  for j in "$REGISTRY_HOME/quarkus-run.jar" "$REGISTRY_HOME"/apicurio-registry-app-*-runner.jar; do
    [[ -f "$j" ]] && { echo "$j"; return 0; }
  done
  die "no runnable jar in $REGISTRY_HOME"
}
start_registry() {
  local pid
  if pid="$(running_pid registry)"; then log "registry: already running (pid $pid) on 127.0.0.1:$REGISTRY_PORT"; return 0; fi
  command -v java >/dev/null || die "java 17+ is required: apt-get install -y openjdk-17-jre-headless"
  port_open "$REGISTRY_PORT" && die "port $REGISTRY_PORT is taken by a process this stack did not start"
  fetch_registry
  local dir="$STACK_DIR/registry"; mkdir -p "$dir/logs"
  log "registry: starting Apicurio $APICURIO_VERSION on 127.0.0.1:$REGISTRY_PORT (in-memory storage)"
  # The management interface (health) is moved to REGISTRY_PORT+1 so parallel stacks do not collide on 9000.
  ( cd "$dir" && launch registry java -Xms128m -Xmx"$REGISTRY_HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
      -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$((REGISTRY_PORT + 1))" \
      -Dquarkus.log.file.enabled=true -Dquarkus.log.file.path="$dir/logs/registry.log" \
      -Dquarkus.log.console.level=WARN \
      -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
      -jar "$(registry_jar)" )
}
ready_registry() {
  local pid dir="$STACK_DIR/registry"
  pid="$(running_pid registry)" || die "registry is not running (see $dir/logs)"
  wait_http "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects" "$TIMEOUT" "$pid" \
    || { tail -n 30 "$dir/logs/stdout.log" >&2; die "registry did not answer in ${TIMEOUT}s (see $dir/logs)"; }
  log "registry: up (pid $pid), ccompat at http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"
}

# --- prometheus (Debian's binary, run by us: not the distro service) ----------------------------------------------
write_prometheus_default_config() {
  # Scrapes itself only; deploy/prometheus/ (ops) provides the real scrape config via PERSONAHUB_PROMETHEUS_CONFIG.
  cat >"$1" <<EOF
# Generated by deploy/local/stack.sh (no PERSONAHUB_PROMETHEUS_CONFIG given).
global:
  scrape_interval: 5s
  evaluation_interval: 5s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:${PROMETHEUS_PORT}']
EOF
}
PROMETHEUS_HINT="prometheus: not installed, skipped (optional: it only serves the metrics view; add it with: apt-get install -y prometheus)"
prometheus_bin() { command -v prometheus 2>/dev/null || true; }
start_prometheus() {
  local pid
  if pid="$(running_pid prometheus)"; then log "prometheus: already running (pid $pid) on 127.0.0.1:$PROMETHEUS_PORT"; return 0; fi
  local bin; bin="$(prometheus_bin)"
  if [[ -z "$bin" ]]; then log "$PROMETHEUS_HINT"; return 0; fi
  port_open "$PROMETHEUS_PORT" && die "port $PROMETHEUS_PORT is taken by a process this stack did not start"
  local dir="$STACK_DIR/prometheus"; mkdir -p "$dir/logs" "$dir/data"
  # Default: the project's local scrape config (personahub processes on 9464.., the simulator, alert rules).
  local cfg="${PERSONAHUB_PROMETHEUS_CONFIG:-}"
  [[ -z "$cfg" && -f "$REPO/deploy/prometheus/prometheus.local.yml" ]] && cfg="$REPO/deploy/prometheus/prometheus.local.yml"
  if [[ -z "$cfg" ]]; then cfg="$dir/prometheus.yml"; write_prometheus_default_config "$cfg"; fi
  [[ -f "$cfg" ]] || die "PERSONAHUB_PROMETHEUS_CONFIG=$cfg does not exist"
  log "prometheus: starting on 127.0.0.1:$PROMETHEUS_PORT with $cfg"
  # --web.enable-lifecycle lets tests and ops reload the config (POST /-/reload) without a restart.
  launch prometheus "$bin" --config.file="$cfg" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle --storage.tsdb.retention.time=2d
}
ready_prometheus() {
  local pid dir="$STACK_DIR/prometheus"
  [[ -n "$(prometheus_bin)" ]] || running_pid prometheus >/dev/null || return 0 # not installed: said so in start
  pid="$(running_pid prometheus)" || die "prometheus is not running (see $dir/logs)"
  wait_http "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" "$TIMEOUT" "$pid" \
    || { tail -n 30 "$dir/logs/stdout.log" >&2; die "prometheus did not become ready in ${TIMEOUT}s (see $dir/logs)"; }
  log "prometheus: up (pid $pid)"
}

# --- dispatch -----------------------------------------------------------------------------------------------------
status_service() {
  local svc="$1" pid port
  case "$svc" in
    kafka) port="$KAFKA_PORT" ;; registry) port="$REGISTRY_PORT" ;; prometheus) port="$PROMETHEUS_PORT" ;;
  esac
  if [[ "$svc" == prometheus && -z "$(prometheus_bin)" ]] && ! running_pid prometheus >/dev/null; then
    printf '%-11s absent          (optional, not installed: apt-get install -y prometheus)\n' "$svc"; return 0
  fi
  if pid="$(running_pid "$svc")" && port_open "$port"; then
    printf '%-11s up    pid %-8s 127.0.0.1:%s\n' "$svc" "$pid" "$port"; return 0
  elif pid="$(running_pid "$svc")"; then
    printf '%-11s start pid %-8s 127.0.0.1:%s (process alive, port not open yet)\n' "$svc" "$pid" "$port"; return 1
  else
    printf '%-11s down            127.0.0.1:%s\n' "$svc" "$port"; return 1
  fi
}

cmd="${1:-}"; shift || true
services=("$@"); [[ ${#services[@]} -gt 0 ]] || services=("${ALL_SERVICES[@]}")
for s in "${services[@]}"; do
  [[ " ${ALL_SERVICES[*]} " == *" $s "* ]] || die "unknown service '$s' (known: ${ALL_SERVICES[*]})"
done
mkdir -p "$STACK_DIR"

case "$cmd" in
  up)
    # Start everything first, then wait for each: the JVMs boot in parallel (warm start ~2x faster).
    for s in "${services[@]}"; do "start_$s"; done
    for s in "${services[@]}"; do "ready_$s"; done
    ;;
  down)
    # Reverse order: registry and prometheus depend on nothing, but stop them before the broker anyway.
    for (( i=${#services[@]}-1; i>=0; i-- )); do stop_service "${services[$i]}"; done
    ;;
  status)
    rc=0; for s in "${services[@]}"; do status_service "$s" || rc=1; done; exit "$rc"
    ;;
  *)
    echo "usage: $0 up|down|status [kafka|registry|prometheus ...]" >&2; exit 2 ;;
esac
