import type { z } from 'zod';

/** Kafka's `cleanup.policy`: delete old segments by time/size, keep the latest value per key, or both. */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** `retention.ms` value meaning "keep forever". */
export const FOREVER = -1;

/**
 * Size policy (README "Size policy", docs/dataflow.md). The limits are a chain, each link larger than the one before,
 * so a page accepted at the entry can always be forwarded and dead-lettered:
 *   ingest.maxDocumentBytes (900,000: ingest skips bigger documents as `too_large`)
 *   < INPUT_BATCH_MAX_BYTES (940,000: librdkafka `batch.size` of personahub's producers to web.documents — the
 *     broker applies max.message.bytes to a whole record batch, and librdkafka's default batch is 1,000,000)
 *   < INPUT_MAX_MESSAGE_BYTES (950,000: web.documents refuses bigger records at produce time, MESSAGE_TOO_LARGE)
 *   < 1,000,000 (librdkafka's default message.max.bytes, the most personahub's producers write in one message: a
 *     page plus the page filter's route envelope, < 1 KB, or plus dead-letter headers, < 4 KB)
 *   < DOCUMENT_MAX_MESSAGE_BYTES (1 MiB: every other topic that carries whole pages — web.documents.unique, the
 *     page filter's route and changelog topics, the dead letters of pagefilter, its bands half and extract).
 * Stages therefore never see a page they cannot pass on.
 */
export const DOCUMENT_TOPIC_PREFIX = 'web.documents';
export const INPUT_TOPIC = 'web.documents';
export const INPUT_MAX_MESSAGE_BYTES = 950_000;
export const INPUT_BATCH_MAX_BYTES = 940_000;
export const DOCUMENT_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * One topic of the dataflow, as code. A file under topics/ exports an array of these and is listed once in
 * topics/index.ts. Names are persistent (a rename is a migration), never generated.
 */
export interface TopicDef {
  /** Topic name without prefix, e.g. `personas.unique`. */
  readonly name: string;
  /** What flows on it and who writes/reads it (printed by `personahub topics apply`). */
  readonly description: string;
  /** Partitions; raised (never lowered) by `topics apply`. Partitions bound consumer parallelism per group. */
  readonly partitions: number;
  readonly cleanupPolicy: CleanupPolicy;
  /** `retention.ms`; FOREVER (-1) keeps everything. Omit for compacted-only topics. */
  readonly retentionMs?: number;
  /** Any other topic configs this project manages (Kafka config names, string values). */
  readonly configs?: Readonly<Record<string, string>>;
  /**
   * The value contract, registered as JSON Schema under `<topic>-value` with BACKWARD compatibility and generated
   * into schemas/<schemaName>.json. Absent when the value is not a contract of its own (dead-letter topics carry the
   * original bytes; changelogs carry stage-private state).
   */
  readonly value?: { readonly schemaName: string; readonly schema: z.ZodType };
  /**
   * A store shared by every run on the cluster (the LLM response cache): when `TopicsOptions.sharedNames` names
   * it, that exact name is used and the run prefix is not applied; otherwise it is prefixed like any topic.
   */
  readonly shared?: boolean;
}

/** How a set of definitions is materialised on a cluster: tests use a random prefix, prod a higher replication. */
export interface TopicsOptions {
  /** Prepended to every topic name (and therefore subject), e.g. `t-3f9a.`; default none. */
  prefix?: string;
  /** Replication factor of every topic (default 1: the local single-node stack). */
  replicationFactor?: number;
  /** min.insync.replicas for every topic (default: replicationFactor > 1 ? 2 : 1). */
  minInsyncReplicas?: number;
  /** Physical names of shared topics by base name (from config, e.g. `llm.cache` → `llm.cache.topic`). */
  sharedNames?: Readonly<Record<string, string>>;
}

/** A definition made concrete: the exact name, partitions and configs `topics apply` converges the cluster to. */
export interface ResolvedTopic {
  readonly name: string;
  readonly baseName: string;
  readonly description: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Every managed config, as strings, exactly as Kafka reports them back (so comparison is string equality). */
  readonly configs: Readonly<Record<string, string>>;
  readonly valueSubject?: string;
  readonly value?: TopicDef['value'];
}

/** `<topic>-value`: Confluent's TopicNameStrategy, the subject naming used everywhere in personahub. */
export const valueSubject = (topic: string) => `${topic}-value`;
