import { randomUUID } from 'node:crypto';
import type { KafkaConsumer, LibrdKafkaError, Message } from '@confluentinc/kafka-javascript';
import { toConsumedRecord, type ConsumedRecord } from './message.js';
import { rdkafka, type KafkaClient, type RdConsumer } from './client.js';
import { classifyKafkaError } from './errors.js';

const OP_TIMEOUT_MS = 30_000;

/** One record read by readToEnd. */
export type EndRecord = ConsumedRecord;

export interface ReadToEndOptions {
  client: KafkaClient;
  topic: string;
  /** Partitions to read (default: all of the topic's). */
  partitions?: number[];
  /** Where to start (default: the beginning of each partition). */
  from?: 'beginning' | 'end';
  /**
   * Start offsets by partition, overriding `from` for the partitions named (a resumed export). An offset below the
   * partition's low watermark starts at the low watermark.
   */
  startOffsets?: Readonly<Record<number, number>>;
  /** Keep reading past the end offsets taken at the start, until the signal aborts (`tail -f`). */
  follow?: boolean;
  /** Stop after this many records. */
  limit?: number;
  /** Longest a fetch waits at the broker for new data (default 100 ms; the spend ledger wants less). */
  fetchWaitMaxMs?: number;
  /** read_committed by default: aborted transactional records are never delivered. */
  readUncommitted?: boolean;
  signal?: AbortSignal;
  onRecord(r: EndRecord): void | Promise<void>;
  /**
   * Called after every poll with the number of offsets still to read (restore progress metrics); also while
   * following with nothing new, so a caller can act on time (an export's age-based shard). Awaited.
   */
  onProgress?(remaining: number): void | Promise<void>;
}

/**
 * Read partitions of a topic from their beginning to the end offsets they had when called, without a consumer
 * group (manual assignment: nothing is committed, no group is created on the broker). The one read-to-end helper of
 * the project: state store restore, `tail`, `export`, `up`'s summary and the tests use it.
 *
 * "The end" is exact, not a timeout: the high watermark of each partition is taken first; a partition is done when
 * the consumer's position reaches it. Under read_committed the position moves past transaction markers and aborted
 * records without delivering them, and stops at the last stable offset while a transaction is open: reading then
 * waits for that transaction to be committed or aborted (by its producer, or by the coordinator after its timeout),
 * so what was read is exactly the committed content below the end offset. Resolves with the records delivered.
 */
export async function readToEnd(o: ReadToEndOptions): Promise<number> {
  const consumer = (new (rdkafka().KafkaConsumer)(
    o.client.properties({
      'group.id': `personahub-reader-${randomUUID()}`,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'isolation.level': o.readUncommitted ? 'read_uncommitted' : 'read_committed',
      'enable.partition.eof': true,
      'fetch.wait.max.ms': o.fetchWaitMaxMs ?? 100,
    }) as never,
    {},
  ) as RdConsumer);
  await promisify<void>((cb) => consumer.connect({ timeout: OP_TIMEOUT_MS }, (err) => cb(err)), 'reader connect');
  let count = 0;
  try {
    const partitions = o.partitions ?? (await partitionsOf(consumer, o.topic));
    const ends = new Map<number, number>();
    const starts: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const p of partitions) {
      const w = await promisify<{ lowOffset: number; highOffset: number }>(
        (cb) => consumer.queryWatermarkOffsets(o.topic, p, OP_TIMEOUT_MS, cb as never),
        `watermarks of ${o.topic}[${p}]`,
      );
      const given = o.startOffsets?.[p];
      const start = given !== undefined ? Math.min(Math.max(given, w.lowOffset), w.highOffset) : o.from === 'end' ? w.highOffset : w.lowOffset;
      if (w.highOffset > start || o.follow) ends.set(p, w.highOffset);
      starts.push({ topic: o.topic, partition: p, offset: start });
    }
    const pending = new Set([...ends].filter(([p, end]) => end > starts.find((s) => s.partition === p)!.offset).map(([p]) => p));
    const remaining = () => {
      let n = 0;
      for (const p of pending) n += Math.max(0, ends.get(p)! - (positionOf(consumer, o.topic, p) ?? 0));
      return n;
    };
    if (!o.follow && pending.size === 0) return 0;
    consumer.assign(starts);
    consumer.setDefaultConsumeTimeout(100);
    consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
    for (;;) {
      if (o.signal?.aborted) break;
      if (o.limit !== undefined && count >= o.limit) break;
      const batch = await promisify<Message[]>((cb) => consumer.consume(500, cb), `read ${o.topic}`).catch((e: unknown) => {
        if ((e as { kind?: string }).kind === 'fatal') throw e;
        return [] as Message[];
      });
      for (const m of batch) {
        if (o.limit !== undefined && count >= o.limit) break;
        count++;
        await o.onRecord(toConsumedRecord(m));
      }
      for (const p of [...pending]) {
        const pos = positionOf(consumer, o.topic, p);
        if (pos !== undefined && pos >= ends.get(p)!) pending.delete(p);
      }
      await o.onProgress?.(remaining());
      if (!o.follow && pending.size === 0) break;
    }
  } finally {
    await promisify<void>((cb) => consumer.disconnect((err) => cb(err)), 'reader disconnect').catch(() => undefined);
  }
  return count;
}

/** Partition numbers of a topic, from metadata. */
async function partitionsOf(consumer: KafkaConsumer, topic: string): Promise<number[]> {
  const md = await promisify<{ topics: Array<{ name: string; partitions: Array<{ id: number }> }> }>(
    (cb) => consumer.getMetadata({ topic, timeout: OP_TIMEOUT_MS }, cb as never),
    `metadata of ${topic}`,
  );
  const t = md.topics.find((x) => x.name === topic);
  return (t?.partitions ?? []).map((p) => p.id).sort((a, b) => a - b);
}

function positionOf(consumer: KafkaConsumer, topic: string, partition: number): number | undefined {
  const [p] = consumer.position([{ topic, partition }]);
  return p && p.offset >= 0 ? p.offset : undefined;
}

function promisify<T>(fn: (cb: (err: LibrdKafkaError | null | undefined, v?: T) => void) => void, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(classifyKafkaError(err, what)) : resolve(v as T))));
}
