import type { RecordMeta } from '../runtime/stage.js';
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Codec } from '../runtime/codec.js';

/**
 * Reading a topic from the command line (`tail`, `export`, `up`'s summary). Not a stage: no offsets are
 * committed, the consumer group is throw-away (`personahub-cli-<uuid>`), and records are read `read_committed`,
 * so aborted transactional output is never shown.
 *
 * "Caught up" is exact, not a timeout: the high watermark of every partition is taken when reading starts, and a
 * partition is done once the consumer has moved past the offset before it. Transaction markers occupy offsets but
 * are never delivered as messages, so progress is followed through kafkajs' END_BATCH_PROCESS event, which also
 * fires for batches that held only markers.
 */
export interface TopicRecord extends RecordMeta {
  /** Decoded value, or undefined when it did not decode (see `error`). */
  value: unknown;
  raw: Buffer | null;
  error?: string;
}

export interface ReadTopicOptions {
  kafka: Kafka;
  codec: Codec;
  topic: string;
  fromBeginning: boolean;
  /** Stop once everything present at start has been read (export). */
  untilCaughtUp?: boolean;
  /** Stop after this many records. */
  limit?: number;
  onRecord(r: TopicRecord): void | Promise<void>;
  /** Stop reading (tail's Ctrl-C). */
  signal?: AbortSignal;
}

/** Reads until caught up / limit / abort; resolves with the number of records delivered. */
export async function readTopic(o: ReadTopicOptions): Promise<number> {
  const admin = o.kafka.admin();
  await admin.connect();
  let targets: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(o.topic);
    targets = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
    if (o.untilCaughtUp && offsets.every((p) => p.high === p.low)) return 0;
  } finally {
    await admin.disconnect();
  }
  const consumer = o.kafka.consumer({ groupId: `personahub-cli-${randomUUID()}`, readUncommitted: false });
  let count = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const pending = new Set<number>([...targets].filter(([, high]) => high > 0n).map(([p]) => p));
  const progress = (partition: number, lastOffset: string) => {
    const target = targets.get(partition);
    if (target !== undefined && BigInt(lastOffset) >= target - 1n) pending.delete(partition);
    if (o.untilCaughtUp && pending.size === 0) finish();
  };
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => progress(e.payload.partition, e.payload.lastOffset));
  o.signal?.addEventListener('abort', () => finish(), { once: true });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning: o.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        if (o.limit !== undefined && count >= o.limit) return;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) {
          if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
        }
        const rec: TopicRecord = {
          topic,
          partition,
          offset: message.offset,
          key: message.key ? message.key.toString('utf8') : null,
          timestamp: new Date(Number(message.timestamp)).toISOString(),
          headers,
          value: undefined,
          raw: message.value,
        };
        try {
          rec.value = await o.codec.decode(topic, message.value ?? Buffer.alloc(0));
        } catch (e) {
          rec.error = e instanceof Error ? e.message : String(e);
        }
        count++;
        await o.onRecord(rec);
        if (o.limit !== undefined && count >= o.limit) finish();
      },
    });
    if (o.untilCaughtUp && pending.size === 0) finish();
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return count;
}
