import type { Logger } from 'pino';
import { classify, poison, type ErrorCode, type PersonahubError } from '../errors.js';
import { DLQ_HEADERS } from '../contracts/dlq.js';
import type { Metrics } from '../metrics/catalogue.js';
import type { Codec } from './codec.js';
import type { RuntimeConfig } from './config.js';
import type { FilterReason, RecordMeta, Stage } from './stage.js';
import { backoffDelayMs, sleep } from './backoff.js';

/** A message ready for the producer: physical topic, encoded value. */
export interface PreparedMessage {
  topic: string;
  /** Logical topic, for metrics labels. */
  logicalTopic: string;
  key: string | Buffer | null;
  value: Buffer;
  headers: Record<string, string>;
  partition?: number;
}

/** What one input record turned into; committed together with the offset past it. */
export interface RecordResult {
  outcome: 'ok' | 'filtered' | 'dead_lettered';
  messages: PreparedMessage[];
  deadLetterCode?: ErrorCode;
  /** Why a filtered record has no output (also the metric's reason label). */
  filterReason?: FilterReason;
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
}

/**
 * One record, start to finish, without touching Kafka: decode → validate input → process (retries with backoff)
 * → validate outputs → encode. Returns the messages to publish, or undefined when the work was aborted
 * (revocation / shutdown: the record stays incomplete and is re-read by whoever owns the partition next).
 * A fatal error is thrown to the caller, which stops the stage.
 */
export async function processRecord(d: RecordProcessorDeps, rec: RawRecord, signal: AbortSignal): Promise<RecordResult | undefined> {
  const stageName = d.stage.name;
  const started = performance.now();
  const observe = (outcome: string) =>
    d.metrics.processingSeconds.observe({ stage: stageName, outcome }, (performance.now() - started) / 1000);
  let attempt = 1;
  let firstFailureAt: string | undefined;
  const deadLetter = (err: PersonahubError): RecordResult => {
    observe('dead_lettered');
    d.logger.warn({ err: { code: err.code, kind: err.kind, message: err.message }, ...rec.meta }, 'dead-lettering record');
    return {
      outcome: 'dead_lettered',
      deadLetterCode: err.code,
      messages: [
        {
          topic: d.dlqTopic,
          logicalTopic: 'dlq',
          key: rec.key,
          value: rec.value ?? Buffer.alloc(0),
          headers: {
            ...rec.meta.headers,
            [DLQ_HEADERS.kind]: err.kind,
            [DLQ_HEADERS.code]: err.code,
            [DLQ_HEADERS.message]: err.message.slice(0, 2000),
            [DLQ_HEADERS.stage]: stageName,
            [DLQ_HEADERS.attempts]: String(attempt),
            [DLQ_HEADERS.firstFailureAt]: firstFailureAt ?? new Date().toISOString(),
            [DLQ_HEADERS.sourceTopic]: rec.meta.topic,
            [DLQ_HEADERS.sourcePartition]: String(rec.meta.partition),
            [DLQ_HEADERS.sourceOffset]: rec.meta.offset,
          },
        },
      ],
    };
  };

  let input: unknown;
  let decoded = false;
  for (;;) {
    if (signal.aborted) return undefined;
    let err: PersonahubError;
    try {
      if (!decoded) {
        // Decoding is deterministic: bad bytes are poison; a retriable failure is the registry, not the record.
        const value = await d.codec.decode(rec.meta.topic, rec.value ?? Buffer.alloc(0));
        const parsed = d.stage.input.schema.safeParse(value);
        if (!parsed.success) throw poison('schema_invalid', `input does not match ${d.stage.input.topic}: ${parsed.error.message}`);
        input = parsed.data;
        decoded = true;
      }
      const outputs = await d.stage.process(input, { meta: rec.meta, signal, logger: d.logger, attempt });
      if (signal.aborted) return undefined;
      if (!Array.isArray(outputs) || outputs.length === 0) {
        const reason = Array.isArray(outputs) ? 'unspecified' : outputs.filtered;
        d.metrics.recordsFiltered.inc({ stage: stageName, reason });
        observe('filtered');
        return { outcome: 'filtered', messages: [], filterReason: reason };
      }
      const messages: PreparedMessage[] = [];
      for (const out of outputs) {
        const schema = d.stage.outputs[out.topic];
        if (!schema) throw poison('internal', `stage ${stageName} produced to undeclared topic "${out.topic}"`);
        const valid = schema.safeParse(out.value);
        if (!valid.success) throw poison('internal', `stage ${stageName} output for ${out.topic} is invalid: ${valid.error.message}`);
        const topic = d.physical(out.topic);
        const msg: PreparedMessage = {
          topic,
          logicalTopic: out.topic,
          key: out.key,
          value: await d.codec.encode(topic, valid.data),
          headers: out.headers ?? {},
        };
        if (out.partition !== undefined) msg.partition = out.partition;
        messages.push(msg);
      }
      observe('ok');
      return { outcome: 'ok', messages };
    } catch (e) {
      if (signal.aborted) return undefined;
      err = classify(e);
    }
    firstFailureAt ??= new Date().toISOString();
    if (err.kind === 'fatal') throw err;
    if (err.kind === 'poison' || attempt >= d.retry.maxAttempts) return deadLetter(err);
    d.metrics.recordRetries.inc({ stage: stageName, code: err.code });
    const delay = backoffDelayMs(attempt, d.retry, err.retryAfterMs);
    if (!(await sleep(delay, signal))) return undefined;
    attempt++;
  }
}
