import type { z } from 'zod';
import type { Logger } from 'pino';
import type { LlmClient } from '../llm/types.js';
import type { StateStoreSpec } from './state-store.js';
import type { PauseGate } from '../llm/budget/gate.js';

/**
 * The contract between the runtime and a stage. A stage is pure processing logic: it never touches Kafka,
 * offsets, retries, DLQ or metrics. The runtime consumes, decodes, validates against `input.schema`, calls
 * `process` (many records in flight at once, within the declared ordering), validates and encodes the outputs,
 * produces them, and commits.
 *
 * Names are persistent: consumer group, transactional ids, DLQ topic and changelog topics derive from `name`
 * and must never be generated (a rename is a migration).
 */
export type Ordering =
  | 'unordered' // any number of records of a partition in flight, completion in any order
  | 'key' // records with the same key are processed one after another; different keys in parallel
  | 'partition'; // one record of a partition at a time (stateful stages)

export interface StageOutput {
  topic: string;
  /** Message key; also decides the partition (murmur2, the Java client's default). */
  key: string;
  /** Explicit partition, overriding the key's murmur2 choice (e.g. routing by an LSH band); rarely needed. */
  partition?: number;
  value: unknown;
  headers?: Record<string, string>;
}

export interface RecordMeta {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  timestamp: string;
  headers: Record<string, string>;
}

export interface StageContext {
  meta: RecordMeta;
  /**
   * This record's own signal: aborted when its partition is revoked or reset, or the process shuts down (stop
   * work, results are dropped). Hand it to cancellable calls directly.
   */
  readonly signal: AbortSignal;
  logger: Logger;
  /** Attempt number of this record, from 1. */
  attempt: number;
}

/**
 * Why a stage produced nothing for a record: the closed set of filter reasons, the `reason` label of
 * personahub_records_filtered_total and a column of the `up` summary. Add a reason here, nowhere else.
 */
export const FILTER_REASONS = [
  'too_short', // extract: text below stages.extract.minTextChars
  'duplicate_exact', // dedup / pagefilter: an exact copy was kept before
  'duplicate_near', // dedup / pagefilter: a verified near-duplicate was kept before
  'sampled_out', // synthesize: not in the scenario's sample (samplingRate), or the scenario is disabled
  'max_hop', // expand: the persona is at stages.expand.maxHops
  'budget_exhausted', // expand: the document's persona budget is spent
  'no_result', // the LLM reply held nothing usable (no new persona)
  'answers_disagree', // verify-math: fewer than minAgree of the k independent answers agree
  'solution_mismatch', // verify-math: the answers agree, but not with the sample's stated solution
  'routed_out', // synthesize: the persona's attributes do not pass the scenario's routing filter
  'unspecified', // a stage returned [] without naming a reason (stages written before reasons existed)
] as const;
export type FilterReason = (typeof FILTER_REASONS)[number];

/** What `process` returns to filter a record on purpose, naming why (see `filtered`). */
export interface Filtered {
  readonly filtered: FilterReason;
}
/** `return filtered('too_short')`: no output, counted under that reason. */
export const filtered = (reason: FilterReason): Filtered => ({ filtered: reason });
/** The outputs of one record, or the named reason it has none. */
export type StageResult = StageOutput[] | Filtered;

export interface Stage<I = unknown> {
  readonly name: string;
  readonly input: { topic: string; schema: z.ZodType<I> };
  /** Topics this stage may write, with the schema each output value must satisfy. */
  readonly outputs: Record<string, z.ZodType>;
  readonly ordering: Ordering;
  /**
   * Outputs for one input record, or `filtered(reason)` to drop it on purpose (counted under the reason, not an
   * error); a bare [] still works and counts as `unspecified`. Throw a PersonahubError to fail.
   */
  process(record: I, ctx: StageContext): Promise<StageResult>;
  /**
   * Optional state store, owned by the runtime: restored from its changelog before any record of a newly assigned
   * (or reset) partition is processed, dropped on revocation. The stage writes changes as outputs to the changelog.
   */
  readonly store?: StateStoreSpec<any>;
  /**
   * Optional pause gate (a budget): while closed, the runtime pauses this stage's partitions — no new records are
   * handed to `process`, the lag grows visibly — and resumes them when it opens.
   */
  readonly pauseGate?: PauseGate;
  close?(): Promise<void>;
}

/** What a stage factory receives: everything a stage may depend on, injected. */
export interface StageDeps {
  llm: LlmClient;
  logger: Logger;
}
