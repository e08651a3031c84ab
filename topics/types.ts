import type { z } from 'zod';

/** Kafka's `cleanup.policy`: delete old segments by time/size, keep the latest value per key, or both. */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** `retention.ms` value meaning "keep forever". */
export const FOREVER = -1;

/**
 * Size policy (README "Size policy", docs/dataflow.md): every topic whose name starts with `web.documents` carries
 * whole pages (the input, the unique pages, the page filter's route records and the dead letters of pagefilter and
 * extract), so it accepts messages up to 4 MiB (`max.message.bytes`, instead of the broker's ~1 MB default).
 * `personahub ingest` skips documents whose encoded value exceeds `ingest.maxDocumentBytes` (1 MB by default) as
 * `too_large`; the 4x margin leaves room for the registry frame, the route-record envelope and DLQ headers, and
 * for a few near-limit pages in one producer batch. A producer writing bigger records directly is refused by the
 * broker (MESSAGE_TOO_LARGE): nothing oversized ever reaches a stage.
 */
export const DOCUMENT_TOPIC_PREFIX = 'web.documents';
export const DOCUMENT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

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
}

/** How a set of definitions is materialised on a cluster: tests use a random prefix, prod a higher replication. */
export interface TopicsOptions {
  /** Prepended to every topic name (and therefore subject), e.g. `t-3f9a.`; default none. */
  prefix?: string;
  /** Replication factor of every topic (default 1: the local single-node stack). */
  replicationFactor?: number;
  /** min.insync.replicas for every topic (default: replicationFactor > 1 ? 2 : 1). */
  minInsyncReplicas?: number;
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
