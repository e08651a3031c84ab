import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { KafkaJS as KafkaJSTypes } from '@confluentinc/kafka-javascript';
import type { KafkaConfig } from '../config/services.js';
import { fatal } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { createTopicConfigs, type TopicConfigs } from './topic-configs.js';

// The package is CommonJS with a native add-on built for one Node ABI (scripts/native/kafka-client.mjs). It is
// loaded on first use, not at import: commands and tests that never talk to Kafka (sim, llm-check, config checks,
// the unit project on another Node version) must not need the add-on.
const require = createRequire(import.meta.url);
type RdKafkaModule = typeof import('@confluentinc/kafka-javascript');
let loaded: RdKafkaModule | undefined;
export function rdkafka(): RdKafkaModule {
  return (loaded ??= require('@confluentinc/kafka-javascript') as RdKafkaModule);
}

/**
 * librdkafka's KafkaConsumer with the methods its type declarations (1.10.1) omit although lib/kafka-consumer.js
 * implements them: cooperative (incremental) assignment, lost-assignment check, first-message-only timeout.
 */
export type RdConsumer = import('@confluentinc/kafka-javascript').KafkaConsumer & {
  incrementalAssign(assignments: Array<{ topic: string; partition: number; offset?: number }>): void;
  incrementalUnassign(assignments: Array<{ topic: string; partition: number }>): void;
  assignmentLost(): boolean;
  setDefaultIsTimeoutOnlyForFirstMessage(onlyFirst: boolean): void;
};

/** The KafkaJS-shaped admin, plus topic config reads/changes (which that admin lacks: see topic-configs.ts). */
export type Admin = KafkaJSTypes.Admin & { readonly topicConfigs: TopicConfigs };
export type Producer = KafkaJSTypes.Producer;
export type Consumer = KafkaJSTypes.Consumer;
/** librdkafka configuration properties (CONFIGURATION.md of librdkafka). */
export type RdProperties = Record<string, string | number | boolean | ((...args: any[]) => void)>;

/**
 * The one place Kafka clients are built (@confluentinc/kafka-javascript: librdkafka underneath). Everything that
 * talks to Kafka (runtime, CLI, tests) goes through a KafkaClient, so TLS, SASL, timeouts and logging are
 * configured the same way everywhere.
 *
 *  - `properties()`: librdkafka properties for the low-level clients the runtime builds (KafkaConsumer and
 *    transactional Producer: precise control of assignment, offsets and transactions, no per-message promise).
 *  - `admin()`, `producer()`, `consumer()`: the KafkaJS-shaped clients of the same package, for tools and tests.
 *
 * Partitioner invariant: every producer uses librdkafka's `murmur2_random` (murmur2 of the key, identical to the
 * Java client's default; random for null keys), so a key lands on the same partition whichever client wrote it.
 * State partitioned by key (dedup) depends on it.
 */
export interface CreateKafkaOptions {
  /** pino logger for the client's own log lines (default: a `kafka` logger on stderr). */
  logger?: Logger;
  /** Where SASL passwords are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Overrides config.clientId (e.g. per stage: `personahub-extract`). */
  clientId?: string;
}

export interface ProducerOptions {
  idempotent?: boolean;
  transactionalId?: string;
  /** Extra librdkafka properties (e.g. message.max.bytes). */
  properties?: RdProperties;
}

export interface ConsumerOptions {
  groupId: string;
  /** Where to start without a committed offset (default: the beginning). */
  fromBeginning?: boolean;
  /** Default false: read_committed, aborted transactional records are never delivered. */
  readUncommitted?: boolean;
  autoCommit?: boolean;
  properties?: RdProperties;
}

export class KafkaClient {
  readonly brokers: string;
  private readonly base: RdProperties;
  readonly logger: Logger;

  constructor(readonly config: KafkaConfig, options: CreateKafkaOptions = {}) {
    this.brokers = config.brokers.join(',');
    this.logger = options.logger ?? createLogger('kafka');
    this.base = baseProperties(config, options);
  }

  /** librdkafka properties for a low-level client, merged over the shared connection/security settings. */
  properties(extra: RdProperties = {}): RdProperties {
    return { ...this.base, ...extra };
  }

  admin(): Admin {
    const admin = new (rdkafka().KafkaJS.Kafka)({}).admin({ ...this.properties(), kafkaJS: { logger: kafkaJsLogger(this.logger) } } as never);
    let configs: TopicConfigs | undefined;
    const disconnect = admin.disconnect.bind(admin);
    const config = this.config;
    return Object.assign(admin, {
      get topicConfigs(): TopicConfigs {
        return (configs ??= createTopicConfigs(config));
      },
      disconnect: async () => {
        await configs?.close().catch(() => undefined);
        configs = undefined;
        await disconnect();
      },
    }) as Admin;
  }

  producer(o: ProducerOptions = {}): Producer {
    const kafkaJS: Record<string, unknown> = { logger: kafkaJsLogger(this.logger), acks: -1 };
    if (o.idempotent || o.transactionalId) kafkaJS.idempotent = true;
    if (o.transactionalId) kafkaJS.transactionalId = o.transactionalId;
    return new (rdkafka().KafkaJS.Kafka)({}).producer({
      ...this.properties({ 'linger.ms': 5, partitioner: 'murmur2_random', ...o.properties }),
      kafkaJS,
    } as never);
  }

  consumer(o: ConsumerOptions): Consumer {
    return new (rdkafka().KafkaJS.Kafka)({}).consumer({
      ...this.properties({ 'isolation.level': o.readUncommitted ? 'read_uncommitted' : 'read_committed', ...o.properties }),
      kafkaJS: {
        groupId: o.groupId,
        fromBeginning: o.fromBeginning ?? true,
        autoCommit: o.autoCommit ?? false,
        logger: kafkaJsLogger(this.logger),
      },
    } as never);
  }
}

export function createKafka(config: KafkaConfig, options: CreateKafkaOptions = {}): KafkaClient {
  return new KafkaClient(config, options);
}

/** The librdkafka connection and security properties built from config (exported so tests can check TLS/SASL). */
export function baseProperties(config: KafkaConfig, options: CreateKafkaOptions = {}): RdProperties {
  const p: RdProperties = {
    'bootstrap.servers': config.brokers.join(','),
    'client.id': options.clientId ?? config.clientId,
    'socket.connection.setup.timeout.ms': config.connectionTimeoutMs,
    // librdkafka logs through our logger (see kafkaJsLogger / the runtime's event.log handler), not stderr.
    log_level: 4,
  };
  const tls = config.ssl !== false;
  if (tls) Object.assign(p, tlsProperties(config.ssl));
  if (config.sasl) {
    const password = (options.env ?? process.env)[config.sasl.passwordEnv];
    if (password === undefined || password === '') {
      throw fatal('config_invalid', `kafka.sasl: environment variable ${config.sasl.passwordEnv} (the password) is not set`);
    }
    p['sasl.mechanisms'] = config.sasl.mechanism.toUpperCase();
    p['sasl.username'] = config.sasl.username;
    p['sasl.password'] = password;
  }
  p['security.protocol'] = config.sasl ? (tls ? 'sasl_ssl' : 'sasl_plaintext') : tls ? 'ssl' : 'plaintext';
  return p;
}

function tlsProperties(ssl: KafkaConfig['ssl']): RdProperties {
  if (ssl === true || ssl === false) return {};
  const read = (file: string | undefined, what: string) => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (cause) {
      throw fatal('config_invalid', `kafka.ssl.${what}: cannot read ${file}`, { cause });
    }
  };
  const p: RdProperties = { 'enable.ssl.certificate.verification': ssl.rejectUnauthorized };
  const ca = read(ssl.caFile, 'caFile');
  const cert = read(ssl.certFile, 'certFile');
  const key = read(ssl.keyFile, 'keyFile');
  if (ca !== undefined) p['ssl.ca.pem'] = ca;
  if (cert !== undefined) p['ssl.certificate.pem'] = cert;
  if (key !== undefined) p['ssl.key.pem'] = key;
  return p;
}

/**
 * The KafkaJS-shaped clients log through this (info and debug go to debug: librdkafka reports every transient
 * reconnect, which a newcomer reads as a failure; errors that matter reach the caller as rejected promises).
 */
export function kafkaJsLogger(logger: Logger) {
  const adapt = (level: 'debug' | 'warn' | 'error') => (message: string, extra?: Record<string, unknown>) => logger[level]({ ...extra }, message);
  return {
    info: adapt('debug'),
    debug: adapt('debug'),
    warn: adapt('warn'),
    error: adapt('warn'),
    namespace: () => kafkaJsLogger(logger),
    setLogLevel: () => undefined,
  };
}
