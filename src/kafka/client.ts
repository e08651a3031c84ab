import { readFileSync } from 'node:fs';
import {
  Kafka,
  Partitioners,
  logLevel,
  type KafkaConfig as KafkaJsConfig,
  type LogEntry,
  type Producer,
  type ProducerConfig,
  type SASLOptions,
} from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig } from '../config/services.js';
import { fatal } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';

/**
 * The one place a kafkajs client is built. Everything that talks to Kafka (runtime, CLI, tests) goes through
 * `createKafka`, so TLS, SASL, timeouts and logging are configured the same way everywhere.
 *
 * Partitioner hazard: kafkajs 2.x defaults to a partitioner that warns at runtime and changed between versions.
 * Producers MUST be created with `Partitioners.DefaultPartitioner` (murmur2, identical to the Java client), so a key
 * lands on the same partition whichever client wrote it; state partitioned by key (dedup) depends on it. Use
 * `createProducer` (or spread `PRODUCER_DEFAULTS`) instead of `kafka.producer()` directly.
 */
export const PRODUCER_DEFAULTS = { createPartitioner: Partitioners.DefaultPartitioner } as const satisfies ProducerConfig;

export interface CreateKafkaOptions {
  /** pino logger that receives kafkajs' logs (default: a `kafkajs` logger on stderr). */
  logger?: Logger;
  /** Level at which kafkajs logs are emitted (default WARN: kafkajs is chatty at INFO). */
  level?: logLevel;
  /** Where SASL passwords are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Overrides config.clientId (e.g. per stage: `personahub-extract`). */
  clientId?: string;
}

export function createKafka(config: KafkaConfig, options: CreateKafkaOptions = {}): Kafka {
  return new Kafka(kafkaJsConfig(config, options));
}

/** The kafkajs client options built from config (exported so tests can check TLS/SASL reach kafkajs). */
export function kafkaJsConfig(config: KafkaConfig, options: CreateKafkaOptions = {}): KafkaJsConfig {
  const logger = options.logger ?? createLogger('kafkajs');
  const kafkaJsConfig: KafkaJsConfig = {
    clientId: options.clientId ?? config.clientId,
    brokers: config.brokers,
    connectionTimeout: config.connectionTimeoutMs,
    logLevel: options.level ?? logLevel.WARN,
    logCreator: pinoLogCreator(logger),
  };
  const ssl = tlsOptions(config.ssl);
  if (ssl !== undefined) kafkaJsConfig.ssl = ssl;
  if (config.sasl) kafkaJsConfig.sasl = saslOptions(config.sasl, options.env ?? process.env);
  return kafkaJsConfig;
}

/** A producer with the project's partitioner; other options pass through (idempotence, transactions, ...). */
export function createProducer(kafka: Kafka, config: ProducerConfig = {}): Producer {
  return kafka.producer({ ...PRODUCER_DEFAULTS, ...config });
}

function tlsOptions(ssl: KafkaConfig['ssl']): boolean | ConnectionOptions | undefined {
  if (ssl === false) return undefined;
  if (ssl === true) return true;
  const read = (file: string | undefined, what: string) => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (cause) {
      throw fatal('config_invalid', `kafka.ssl.${what}: cannot read ${file}`, { cause });
    }
  };
  const opts: ConnectionOptions = { rejectUnauthorized: ssl.rejectUnauthorized };
  const ca = read(ssl.caFile, 'caFile');
  const cert = read(ssl.certFile, 'certFile');
  const key = read(ssl.keyFile, 'keyFile');
  if (ca !== undefined) opts.ca = [ca];
  if (cert !== undefined) opts.cert = cert;
  if (key !== undefined) opts.key = key;
  return opts;
}

function saslOptions(sasl: NonNullable<KafkaConfig['sasl']>, env: NodeJS.ProcessEnv): SASLOptions {
  const password = env[sasl.passwordEnv];
  if (password === undefined || password === '') {
    throw fatal('config_invalid', `kafka.sasl: environment variable ${sasl.passwordEnv} (the password) is not set`);
  }
  return { mechanism: sasl.mechanism, username: sasl.username, password } as SASLOptions;
}

const PINO_LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Routes kafkajs' log entries to pino, keeping its structured fields (broker, clientId, error ...). */
export function pinoLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log as LogEntry['log'] & { logger?: string };
      const method = PINO_LEVEL[level] ?? 'info';
      logger[method]({ ns: namespace, ...fields }, message);
    };
}
