import type { KafkaClient } from '../kafka/client.js';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../metrics/catalogue.js';
import type { Codec } from './codec.js';
import type { RuntimeConfig } from './config.js';
import type { Stage } from './stage.js';

export type RuntimeSections = Pick<Config, 'runtime' | 'kafka' | 'http'>;

/** Everything `startStage` needs, injected. */
export interface RuntimeDeps {
  /**
   * The runtime's own config sections only: its settings, the Kafka connection (when `kafka` is not given) and
   * the process' HTTP server. Stages get theirs from their factories; the runtime never reads a stage's section.
   */
  config: RuntimeSections;
  metrics: Metrics;
  logger: Logger;
  /** Decodes the input topic and encodes output topics (registry codec in production, JSON codec in tests). */
  codec: Codec;
  /** The Kafka client factory; built from `config.kafka` when absent. One may be shared by several stages. */
  kafka?: KafkaClient;
  /** Consumer group; default `personahub.<stage.name>` (prefixed with `topicPrefix`). Never generated. */
  groupId?: string;
  /**
   * Prepended to every physical topic the stage touches (input, outputs, DLQ): tests run real stages on random
   * topics with it. Stages keep using their logical names in `input.topic` and `StageOutput.topic`.
   */
  topicPrefix?: string;
  /** Overrides of `config.runtime` for this stage (e.g. a lower maxInFlight for a stateful stage). */
  runtime?: Partial<RuntimeConfig>;
}

export interface StageHandle {
  readonly stage: string;
  readonly groupId: string;
  /** Resolves once the consumer is connected and has received its first assignment. */
  readonly ready: Promise<void>;
  /** True while connected and assigned (what /readyz reports). */
  isReady(): boolean;
  /** Stop fetching, drain in-flight work (bounded by shutdownTimeoutMs), commit what completed, disconnect. */
  stop(): Promise<void>;
  /** Settles when the stage has stopped: resolves after stop(), rejects with the fatal error that stopped it. */
  readonly done: Promise<void>;
}

/** Several stages in one process, sharing one HTTP server and one signal handler. */
export interface ProcessHandle {
  readonly stages: StageHandle[];
  /** Bound HTTP address (port 0 in config picks a free one). */
  readonly http: { host: string; port: number } | undefined;
  stop(): Promise<void>;
  /** Settles when every stage has stopped (after stop(), a signal, or a fatal error in any stage). */
  readonly done: Promise<void>;
}

export interface ProcessOptions {
  /** Start the /metrics /healthz /readyz server (default true). */
  http?: boolean;
  /** Install SIGTERM/SIGINT handlers that drain and stop (default true). */
  signals?: boolean;
}

/** A named way to build stages from config, for `personahub run <name...>`. */
export type StageFactory = (ctx: StageFactoryContext) => Stage<any> | Stage<any>[] | Promise<Stage<any> | Stage<any>[]>;
export interface StageFactoryContext {
  config: Config;
  logger: Logger;
  metrics: Metrics;
}
