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
  /**
   * Where to start (default: the beginning of each partition). `committed`: the committed offset of `groupId` (the
   * beginning for a partition without one, or whose committed offset retention has already deleted). Under
   * read_committed the committed offsets are fetched stable: while a transaction holding offsets for the group is
   * open, the fetch waits for its outcome (KIP-447).
   */
  from?: 'beginning' | 'end' | 'committed';
  /**
   * Start offsets by partition, overriding `from` for the partitions named (a resumed export). An offset below the
   * partition's low watermark starts at the low watermark.
   */
  startOffsets?: Readonly<Record<number, number>>;
  /**
   * Read as this consumer group instead of a random one, without joining it (manual assignment; nothing is
   * committed here). Needed for `from: 'committed'` and for sending offsets to a transaction (see onConsumer).
   */
  groupId?: string;
  /**
   * The end offset of each partition to read, instead of the high watermarks taken at the start: executing a plan
   * made by an earlier read covers exactly the records the plan counted. Partitions not in the map are not read.
   */
  ends?: ReadonlyMap<number, number>;
  /** Each partition's start and end offset, once known and before any record is delivered. */
  onRange?(range: ReadonlyArray<{ partition: number; start: number; end: number }>): void;
  /** The connected consumer (its group metadata goes with offsets sent to a transaction: sendOffsetsToTransaction). */
  onConsumer?(consumer: KafkaConsumer): void;
  /** Once the end is reached (not after an abort or a limit), while the consumer is still connected. */
  onEnd?(): void | Promise<void>;
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
 * Read partitions of a topic from their beginning (or a group's committed offsets) to the end offsets they had when
 * called (or the given ones), without joining a consumer group (manual assignment: nothing is committed here). The one read-to-end helper of
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
      'group.id': o.groupId ?? `personahub-reader-${randomUUID()}`,
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
    o.onConsumer?.(consumer);
    const partitions = o.partitions ?? (o.ends ? [...o.ends.keys()].sort((a, b) => a - b) : await partitionsOf(consumer, o.topic));
    const committed = o.from === 'committed' ? await committedOffsets(consumer, o.topic, partitions) : undefined;
    // The end of a read_committed read is the high watermark, not what this consumer's watermark query returns:
    // librdkafka lists offsets at the consumer's isolation level, and read_committed answers the last stable
    // offset, which stops at the first open transaction — before every record committed after it. A state store
    // restored that way, while a crashed owner's transaction was still open, missed the entries its successor had
    // committed since (their input offsets were committed: those items were gone from the state); `tail`/`export`
    // missed the same records. The high watermark is listed read_uncommitted (admin); the consumer below still reads
    // read_committed, so it waits at an open transaction until its producer or the coordinator ends it.
    const highs = !o.readUncommitted && !o.ends ? await highWatermarks(o.client, o.topic) : undefined;
    const ends = new Map<number, number>();
    const starts: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const p of partitions) {
      const w = await promisify<{ lowOffset: number; highOffset: number }>(
        (cb) => consumer.queryWatermarkOffsets(o.topic, p, OP_TIMEOUT_MS, cb as never),
        `watermarks of ${o.topic}[${p}]`,
      );
      const end = o.ends?.get(p) ?? highs?.get(p) ?? w.highOffset;
      const given = o.startOffsets?.[p];
      const start =
        given !== undefined ? Math.min(Math.max(given, w.lowOffset), end) : o.from === 'end' ? Math.min(w.highOffset, end) : Math.max(w.lowOffset, committed?.get(p) ?? w.lowOffset);
      if (end > start || o.follow) ends.set(p, end);
      starts.push({ topic: o.topic, partition: p, offset: start });
    }
    o.onRange?.(starts.map((s) => ({ partition: s.partition, start: s.offset, end: Math.max(s.offset, ends.get(s.partition) ?? s.offset) })));
    const pending = new Set([...ends].filter(([p, end]) => end > starts.find((s) => s.partition === p)!.offset).map(([p]) => p));
    const remaining = () => {
      let n = 0;
      for (const p of pending) n += Math.max(0, ends.get(p)! - (positionOf(consumer, o.topic, p) ?? 0));
      return n;
    };
    if (!o.follow && pending.size === 0) {
      await o.onEnd?.();
      return 0;
    }
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
        // A batch may reach past a partition's end offset (records written since the start, or a pinned `ends`):
        // those are not part of this read.
        if (!o.follow && m.offset >= (ends.get(m.partition) ?? 0)) continue;
        count++;
        await o.onRecord(toConsumedRecord(m));
      }
      for (const p of [...pending]) {
        const pos = positionOf(consumer, o.topic, p);
        if (pos !== undefined && pos >= ends.get(p)!) pending.delete(p);
      }
      await o.onProgress?.(remaining());
      if (!o.follow && pending.size === 0) {
        await o.onEnd?.();
        break;
      }
    }
  } finally {
    await promisify<void>((cb) => consumer.disconnect((err) => cb(err)), 'reader disconnect').catch(() => undefined);
  }
  return count;
}

/** High watermarks of every partition of a topic, listed read_uncommitted (records of open transactions included). */
async function highWatermarks(client: KafkaClient, topic: string): Promise<Map<number, number>> {
  const admin = client.admin();
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((x) => [x.partition, Number(x.high)]));
  } catch (e) {
    throw classifyKafkaError(e, `high watermarks of ${topic}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
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

/** The group's committed offsets (next offset to read); undefined for a partition without one. */
async function committedOffsets(consumer: KafkaConsumer, topic: string, partitions: number[]): Promise<Map<number, number | undefined>> {
  if (partitions.length === 0) return new Map();
  const list = await promisify<Array<{ partition: number; offset: number }>>(
    (cb) => consumer.committed(partitions.map((partition) => ({ topic, partition })), OP_TIMEOUT_MS, cb as never),
    `committed offsets on ${topic}`,
  );
  // librdkafka reports "no committed offset" as a negative logical offset (-1001 = INVALID).
  return new Map(list.map((tp) => [tp.partition, tp.offset >= 0 ? tp.offset : undefined]));
}

function positionOf(consumer: KafkaConsumer, topic: string, partition: number): number | undefined {
  const [p] = consumer.position([{ topic, partition }]);
  return p && p.offset >= 0 ? p.offset : undefined;
}

function promisify<T>(fn: (cb: (err: LibrdKafkaError | null | undefined, v?: T) => void) => void, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(classifyKafkaError(err, what)) : resolve(v as T))));
}
