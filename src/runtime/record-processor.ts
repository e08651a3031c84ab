import type { Logger } from 'pino';
import { ERROR_CODES, classify, isInfrastructure, poison, type ErrorCode, type PersonahubError } from '../errors.js';
import { DLQ_HEADERS, REPLAY_HEADERS } from '../contracts/dlq.js';
import type { Metrics } from '../metrics/catalogue.js';
import { NEEDS_ASYNC, type Codec } from './codec.js';
import type { RuntimeConfig } from './config.js';
import type { FilterReason, RecordMeta, Stage, StageContext } from './stage.js';
import { backoffDelayMs, sleep } from './backoff.js';

import type { PreparedMessage } from './ports.js';
export type { PreparedMessage } from './ports.js';

/** What one input record turned into; committed together with the offset past it. */
export interface RecordResult {
  outcome: 'ok' | 'filtered' | 'dead_lettered';
  messages: PreparedMessage[];
  deadLetterCode?: ErrorCode;
  /** Why a filtered record has no output (also the metric's reason label). */
  filterReason?: FilterReason;
  /** The record was re-injected by `personahub dlq replay`: the code of the dead letter it was replayed from. */
  replayedCode?: ErrorCode;
}

export interface RawRecord {
  meta: RecordMeta;
  key: Buffer | null;
  value: Buffer | null;
}

export interface RecordProcessorDeps {
  stage: Stage<unknown>;
  codec: Codec;
  metrics: Metrics;
  logger: Logger;
  retry: RuntimeConfig['retry'];
  /** Logical topic → physical topic (adds the test prefix). */
  physical: (logical: string) => string;
  /** Physical DLQ topic for this stage's input. */
  dlqTopic: string;
  /** An infrastructure outage (registry, broker) is being waited out by this record / is over. */
  onInfrastructureWait?(err: PersonahubError, waiting: boolean): void;
}

/** Outage waits back off like record retries, but re-check at least every 10 s so recovery is noticed soon. */
const OUTAGE_MAX_DELAY_MS = 10_000;

/**
 * One record, start to finish, without touching Kafka: decode → validate input → process (retries with backoff)
 * → validate outputs → encode. Returns the messages to publish, or undefined when the work was aborted
 * (revocation / shutdown: the record stays incomplete and is re-read by whoever owns the partition next).
 * A fatal error is thrown to the caller, which stops the stage.
 *
 * `signal` is the partition's (shared by its records in flight). The stage sees a signal of its own per record
 * (`ctx.signal`), created only if the stage reads it, so a stage that makes no cancellable call costs nothing and
 * one that does need not wrap the shared signal itself.
 *
 * Infrastructure errors (registry or broker away: `isInfrastructure`) are waited out with backoff for as long as
 * they last and do not count as attempts: an outage never dead-letters a valid record.
 */
export async function processRecord(d: RecordProcessorDeps, rec: RawRecord, signal: AbortSignal): Promise<RecordResult | undefined> {
  // Hot path (every record): no closures, no per-record context beyond the one StageContext object.
  const started = performance.now();
  let attempt = 1;
  let infraWaits = 0;
  let firstFailureAt: string | undefined;

  let input: unknown;
  let decoded = false;
  for (;;) {
    if (signal.aborted) return undefined;
    let err: PersonahubError;
    try {
      if (!decoded) {
        // Decoding is deterministic: bad bytes are poison; a retriable failure is the registry, not the record.
        // The codec's synchronous path when the schema id is known (every record of a healthy topic).
        const bytes = rec.value ?? EMPTY;
        let value = d.codec.decodeNow ? d.codec.decodeNow(rec.meta.topic, bytes) : NEEDS_ASYNC;
        if (value === NEEDS_ASYNC) value = await d.codec.decode(rec.meta.topic, bytes);
        const parsed = d.stage.input.schema.safeParse(value);
        if (!parsed.success) throw poison('schema_invalid', `input does not match ${d.stage.input.topic}: ${parsed.error.message}`);
        input = parsed.data;
        decoded = true;
      }
      // Invariant: a record whose partition state was closed (revoked, reset, re-assigned) never reaches the stage,
      // however long its decode took. A stateful stage mutates its store inside `process`; a stale call after the
      // store was dropped and restored would leave an uncommitted change in the restored state (measured: the
      // streaming dedup then let an exact duplicate through, 13 of 246 personas in a chaos run).
      if (signal.aborted) return undefined;
      const outputs = await d.stage.process(input, new RecordContext(rec.meta, signal, d.logger, attempt));
      if (signal.aborted) return undefined;
      if (!Array.isArray(outputs) || outputs.length === 0) {
        const reason = Array.isArray(outputs) ? 'unspecified' : outputs.filtered;
        d.metrics.recordsFiltered.inc({ stage: d.stage.name, reason });
        observe(d, 'filtered', started);
        return withReplay(rec, { outcome: 'filtered', messages: [], filterReason: reason });
      }
      const messages: PreparedMessage[] = [];
      for (const out of outputs) {
        const schema = d.stage.outputs[out.topic];
        if (!schema) throw poison('internal', `stage ${d.stage.name} produced to undeclared topic "${out.topic}"`);
        const valid = schema.safeParse(out.value);
        if (!valid.success) throw poison('internal', `stage ${d.stage.name} output for ${out.topic} is invalid: ${valid.error.message}`);
        const topic = d.physical(out.topic);
        let value = d.codec.encodeNow ? d.codec.encodeNow(topic, valid.data) : NEEDS_ASYNC;
        if (value === NEEDS_ASYNC) value = await d.codec.encode(topic, valid.data);
        const msg: PreparedMessage = {
          topic,
          logicalTopic: out.topic,
          key: out.key,
          value,
          headers: out.headers ?? NO_HEADERS,
        };
        if (out.partition !== undefined) msg.partition = out.partition;
        messages.push(msg);
      }
      observe(d, 'ok', started);
      return withReplay(rec, { outcome: 'ok', messages });
    } catch (e) {
      if (signal.aborted) return undefined;
      err = classify(e);
    }
    if (isInfrastructure(err)) {
      infraWaits++;
      d.onInfrastructureWait?.(err, true);
      const outageRetry = { initialDelayMs: d.retry.initialDelayMs, maxDelayMs: Math.min(d.retry.maxDelayMs, OUTAGE_MAX_DELAY_MS) };
      const waited = await sleep(backoffDelayMs(infraWaits, outageRetry, err.retryAfterMs), signal);
      d.onInfrastructureWait?.(err, false);
      if (!waited) return undefined;
      continue;
    }
    firstFailureAt ??= new Date().toISOString();
    if (err.kind === 'fatal') throw err;
    if (err.kind === 'poison' || attempt >= d.retry.maxAttempts) {
      observe(d, 'dead_lettered', started);
      return withReplay(rec, deadLetter(d, rec, err, attempt, firstFailureAt));
    }
    d.metrics.recordRetries.inc({ stage: d.stage.name, code: err.code });
    const delay = backoffDelayMs(attempt, d.retry, err.retryAfterMs);
    if (!(await sleep(delay, signal))) return undefined;
    attempt++;
  }
}

const EMPTY = Buffer.alloc(0);
/** Shared by every output without headers; never written to (the producer port only reads it). */
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function observe(d: RecordProcessorDeps, outcome: RecordResult['outcome'], started: number): void {
  d.metrics.processingSeconds.observe({ stage: d.stage.name, outcome }, (performance.now() - started) / 1000);
}

/** A replayed record's result names the dead-letter code it was replayed from. */
function withReplay(rec: RawRecord, r: RecordResult): RecordResult {
  const replayedCode = replayedFrom(rec.meta.headers);
  if (replayedCode) r.replayedCode = replayedCode;
  return r;
}

function deadLetter(d: RecordProcessorDeps, rec: RawRecord, err: PersonahubError, attempt: number, firstFailureAt: string): RecordResult {
  d.logger.warn({ err: { code: err.code, kind: err.kind, message: err.message }, ...rec.meta }, 'dead-lettering record');
  return {
    outcome: 'dead_lettered',
    deadLetterCode: err.code,
    messages: [
      {
        topic: d.dlqTopic,
        logicalTopic: 'dlq',
        key: rec.key,
        value: rec.value ?? EMPTY,
        // The input's own headers first (a replayed record's personahub.replay.* among them, unchanged: the
        // next replay reads its attempt count and origin from them), then this failure's reason.
        headers: {
          ...rec.meta.headers,
          [DLQ_HEADERS.kind]: err.kind,
          [DLQ_HEADERS.code]: err.code,
          [DLQ_HEADERS.message]: err.message.slice(0, 2000),
          [DLQ_HEADERS.stage]: d.stage.name,
          [DLQ_HEADERS.attempts]: String(attempt),
          // A replayed record failed first before its first dead letter: that time is kept across replays.
          [DLQ_HEADERS.firstFailureAt]: rec.meta.headers[REPLAY_HEADERS.firstFailureAt] ?? firstFailureAt,
          [DLQ_HEADERS.sourceTopic]: rec.meta.topic,
          [DLQ_HEADERS.sourcePartition]: String(rec.meta.partition),
          [DLQ_HEADERS.sourceOffset]: rec.meta.offset,
        },
      },
    ],
  };
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * The dead-letter code a replayed record was replayed from, or undefined when it is not a replay. A replay header
 * naming no known code (written by hand) counts as `internal`: metric labels stay a closed set.
 */
function replayedFrom(headers: Record<string, string>): ErrorCode | undefined {
  if (headers[REPLAY_HEADERS.id] === undefined) return undefined;
  const code = headers[REPLAY_HEADERS.code];
  return code !== undefined && KNOWN_CODES.has(code) ? (code as ErrorCode) : 'internal';
}

/**
 * The stage's view of one record. `signal` is the record's own dependent signal (AbortSignal.any over the
 * partition's), made on first read only: the contract (StageContext.signal) promises a signal per record that aborts
 * when the partition is revoked or reset or the process stops, and a stage that never reads it (most make no
 * cancellable call) costs no signal, no listener and no DOMException. A class rather than an object literal with a
 * getter: one shared accessor on the prototype instead of a closure per record.
 */
class RecordContext implements StageContext {
  private own: AbortSignal | undefined;

  constructor(
    readonly meta: RecordMeta,
    private readonly partitionSignal: AbortSignal,
    readonly logger: Logger,
    readonly attempt: number,
  ) {}

  get signal(): AbortSignal {
    // AbortSignal.any: aborts with the partition's signal, held weakly by it, so nothing accumulates on it.
    return (this.own ??= AbortSignal.any([this.partitionSignal]));
  }
}
