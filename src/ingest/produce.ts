import type { Producer } from '../kafka/client.js';
import type { Codec } from '../runtime/codec.js';
import { classifyKafkaError } from '../kafka/errors.js';
import { emptySummary, type IngestItem, type IngestSummary } from './types.js';

/**
 * Broker refusals that guarantee the batch was not written: MESSAGE_TOO_LARGE (10), CORRUPT_MESSAGE (2),
 * INVALID_RECORD (87). Only these are re-sent one by one; anything else (a delivery timeout: maybe written) is
 * reported as it is, never re-sent, so nothing is produced twice.
 */
const REFUSED = new Set([10, 2, 87]);

export interface IngestOptions {
  producer: Producer;
  codec: Codec;
  topic: string;
  /** Documents per produce request (default 200). */
  batchSize?: number;
  /** Called after every item, for progress display. */
  onItem?: (summary: IngestSummary) => void;
  /** A document the broker refused (its id and why); it is counted `produce_failed` and ingest goes on. */
  onRejected?: (id: string, reason: string) => void;
}

/**
 * Produce the documents of `items` to `topic`, keyed by document id; count what was read, produced and skipped (by
 * reason). Each document is its own send (librdkafka still batches them on the wire, linger.ms), so a failure is
 * known per document (a refused batch is retried document by document, see REFUSED): a document that still fails
 * is counted `produce_failed` and reported through `onRejected`, and ingest goes on —
 * one bad record never stops a file half-way, and no acknowledged document is sent twice (the producer is
 * idempotent, acks=all). A fatal producer error still ends the ingest. Resolves when every send has settled.
 */
export async function ingestItems(items: AsyncIterable<IngestItem>, opts: IngestOptions): Promise<IngestSummary> {
  const summary = emptySummary();
  const batchSize = opts.batchSize ?? 200;
  let batch: Array<{ key: string; value: Buffer }> = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const messages = batch;
    batch = [];
    const send = (m: (typeof messages)[number]) => opts.producer.send({ topic: opts.topic, messages: [m] });
    const results = await Promise.allSettled(messages.map(send));
    for (const [i, r] of results.entries()) {
      if (r.status === 'fulfilled') {
        summary.produced++;
        continue;
      }
      const m = messages[i]!;
      let reason: unknown = r.reason;
      // The broker judges whole batches: one oversized document makes it refuse its batch-mates too. A refused
      // batch was not written, so each refused document is sent again on its own (awaited: a batch of one).
      if (REFUSED.has((reason as { code?: number }).code ?? 0)) {
        try {
          await send(m);
          summary.produced++;
          continue;
        } catch (e) {
          reason = e;
        }
      }
      const err = classifyKafkaError(reason, `produce ${m.key}`);
      if (err.kind === 'fatal' && err.code !== 'kafka_fatal') throw err;
      summary.skipped.produce_failed++;
      opts.onRejected?.(m.key, err.message);
    }
  };
  for await (const item of items) {
    summary.read++;
    if (item.kind === 'skipped') {
      summary.skipped[item.reason]++;
    } else {
      batch.push({ key: item.doc.id, value: await opts.codec.encode(opts.topic, item.doc) });
      if (batch.length >= batchSize) await flush();
    }
    opts.onItem?.(summary);
  }
  await flush();
  opts.onItem?.(summary);
  return summary;
}
