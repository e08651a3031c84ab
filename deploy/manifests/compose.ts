/**
 * deploy/compose.yaml, built as data: the local stack in containers (Kafka KRaft, Apicurio registry, Prometheus,
 * Grafana with provisioning, the LLM simulator) plus one service per stage. Paths are relative to deploy/.
 */
import { HTTP_PORT, deployStages } from './stages.js';

const READYZ = `fetch('http://127.0.0.1:${HTTP_PORT}/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;

/** Environment every personahub container gets; `${VAR:-default}` is read from deploy/.env by compose. */
const PERSONAHUB_ENV = {
  PERSONAHUB_CONFIG: '/etc/personahub/config.yaml',
  PERSONAHUB_KAFKA_BROKERS: 'kafka:9092',
  PERSONAHUB_REGISTRY_URL: 'http://registry:8080/apis/ccompat/v7',
  PERSONAHUB_LLM_BASE_URL: '${PERSONAHUB_LLM_BASE_URL:-http://simulator:8000/v1}',
  PERSONAHUB_LLM_MODEL: '${PERSONAHUB_LLM_MODEL:-personahub-sim-1}',
  OPENAI_API_KEY: '${OPENAI_API_KEY:-}',
  PERSONAHUB_LOG_LEVEL: '${PERSONAHUB_LOG_LEVEL:-info}',
};

const personahubBase = {
  image: 'personahub:local',
  build: { context: '..', dockerfile: 'deploy/Dockerfile' },
  environment: PERSONAHUB_ENV,
  volumes: ['./config/personahub.compose.yaml:/etc/personahub/config.yaml:ro'],
  restart: 'unless-stopped',
};

export function composeModel(): Record<string, unknown> {
  const stages = Object.fromEntries(
    deployStages().map((s) => [
      s.name,
      {
        ...personahubBase,
        command: ['run', s.name],
        depends_on: {
          init: { condition: 'service_completed_successfully' },
          ...(s.usesLlm ? { simulator: { condition: 'service_started' } } : {}),
        },
        healthcheck: { test: ['CMD', 'node', '-e', READYZ], interval: '10s', timeout: '3s', retries: 6, start_period: '30s' },
      },
    ]),
  );
  return {
    services: {
      kafka: {
        image: 'apache/kafka:4.1.1',
        environment: {
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
          KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://kafka:9092',
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
          KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka:9093',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
          KAFKA_NUM_PARTITIONS: '6',
        },
        volumes: ['kafka-data:/var/lib/kafka/data'],
        healthcheck: {
          test: ['CMD-SHELL', '/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092 >/dev/null 2>&1'],
          interval: '10s', timeout: '10s', retries: 12, start_period: '20s',
        },
      },
      registry: {
        image: 'apicurio/apicurio-registry:3.0.6',
        environment: { QUARKUS_HTTP_PORT: '8080', APICURIO_STORAGE_KIND: 'sql', APICURIO_STORAGE_SQL_KIND: 'h2' },
        ports: ['127.0.0.1:18081:8080'],
      },
      simulator: {
        ...personahubBase,
        command: ['sim', '--host', '0.0.0.0', '--port', '8000'],
        ports: ['127.0.0.1:18000:8000'],
      },
      init: {
        ...personahubBase,
        restart: 'no',
        // Idempotent: creates missing topics, raises partitions, registers schemas (BACKWARD compatibility).
        entrypoint: ['sh', '-c', 'node dist/src/cli/bin.js topics apply && node dist/src/cli/bin.js schemas register'],
        depends_on: { kafka: { condition: 'service_healthy' }, registry: { condition: 'service_started' } },
      },
      ...stages,
      prometheus: {
        image: 'prom/prometheus:v2.53.2',
        command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.retention.time=7d'],
        volumes: ['./prometheus:/etc/prometheus:ro', 'prometheus-data:/prometheus'],
        ports: ['127.0.0.1:19090:9090'],
      },
      grafana: {
        image: 'grafana/grafana:11.2.0',
        environment: {
          PROMETHEUS_URL: 'http://prometheus:9090',
          GF_AUTH_ANONYMOUS_ENABLED: 'true',
          GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
          GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: '/var/lib/grafana/dashboards/personahub/personahub.json',
        },
        volumes: [
          './grafana/provisioning:/etc/grafana/provisioning:ro',
          './grafana/dashboards:/var/lib/grafana/dashboards/personahub:ro',
        ],
        ports: ['127.0.0.1:3000:3000'],
        depends_on: ['prometheus'],
      },
    },
    volumes: { 'kafka-data': {}, 'prometheus-data': {} },
  };
}

/** deploy/prometheus/prometheus.yml: what the compose Prometheus scrapes, one target per stage service. */
export function composePrometheus(): Record<string, unknown> {
  return {
    global: { scrape_interval: '5s', evaluation_interval: '5s' },
    rule_files: ['rules/personahub.rules.yml'],
    scrape_configs: [
      { job_name: 'personahub', static_configs: [{ targets: deployStages().map((s) => `${s.name}:${HTTP_PORT}`) }] },
      { job_name: 'personahub-simulator', static_configs: [{ targets: ['simulator:8000'] }] },
    ],
  };
}
