import type { Producer } from '../kafka/client.js';
import type { Codec } from '../runtime/codec.js';
import { emptySummary, type IngestItem, type IngestSummary } from './types.js';

export interface IngestOptions {
  producer: Producer;
  codec: Codec;
  topic: string;
  /** Documents per produce request (default 200). */
  batchSize?: number;
  /** Called after every item, for progress display. */
  onItem?: (summary: IngestSummary) => void;
}

/**
 * Produce the documents of `items` to `topic`, keyed by document id, in batches; count what was read, produced
 * and skipped (by reason). The producer should be idempotent (acks=all): a retried batch is not duplicated.
 * Resolves when every batch is acknowledged.
 */
export async function ingestItems(items: AsyncIterable<IngestItem>, opts: IngestOptions): Promise<IngestSummary> {
  const summary = emptySummary();
  const batchSize = opts.batchSize ?? 200;
  let batch: Array<{ key: string; value: Buffer }> = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const messages = batch;
    batch = [];
    await opts.producer.send({ topic: opts.topic, messages });
    summary.produced += messages.length;
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
