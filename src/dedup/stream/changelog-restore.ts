import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { retriable } from '../../errors.js';
import { ChangelogEntry } from './route-record.js';

/**
 * Read one partition of a compacted changelog from its beginning to its end, read_committed.
 *
 * Called from `onAssigned`, after the runtime initialised this partition's transactional producer: that fenced
 * any previous owner and completed or aborted its open transaction, and since only that transactional id
 * writes this changelog partition, no transaction is open on it while we read. The end offset taken at the start
 * is therefore final, and everything below it is either committed (applied) or aborted (skipped by the broker).
 *
 * kafkajs cannot assign partitions without a group, so this uses a throw-away consumer group that commits
 * nothing (`<prefix>personahub.<stage>.restore.<uuid>`), pauses the other partitions, and stops once its
 * position passes the end offset. Bounded by `timeoutMs` (then a retriable error: the runtime retries the
 * assignment).
 */
export async function restorePartition(opts: {
  kafka: Kafka;
  topic: string;
  partition: number;
  groupPrefix: string;
  logger: Logger;
  timeoutMs?: number;
  apply: (e: ChangelogEntry) => void;
}): Promise<number> {
  let applied = 0;
  const { topic, partition } = opts;
  const end = await readPartitionToEnd({
    ...opts,
    onMessage: (value, offset) => {
      // registry-framed (magic byte 0 + 4-byte schema id) or plain JSON, as the runtime's codecs write it
      const body = value[0] === 0 && value.length >= 5 ? value.subarray(5) : value;
      const parsed = ChangelogEntry.safeParse(JSON.parse(body.toString('utf8')));
      if (parsed.success) {
        opts.apply(parsed.data);
        applied++;
      } else opts.logger.warn({ topic, partition, offset }, 'changelog entry ignored: not a ChangelogEntry');
    },
  });
  opts.logger.info({ topic, partition, applied, end }, 'dedup state restored');
  return applied;
}

/**
 * Read one partition from its beginning to the end offset it had when called (read_committed), handing every
 * non-null value to onMessage. Returns that end offset. See restorePartition for why the end is final.
 */
export async function readPartitionToEnd(opts: {
  kafka: Kafka;
  topic: string;
  partition: number;
  groupPrefix: string;
  timeoutMs?: number;
  onMessage: (value: Buffer, offset: string) => void;
}): Promise<number> {
  const { kafka, topic, partition } = opts;
  const admin = kafka.admin();
  await admin.connect();
  let end: number;
  let low: number;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const p = offsets.find((o) => o.partition === partition);
    if (!p) throw retriable('kafka_retriable', `${topic} has no partition ${partition}`);
    end = Number(p.high);
    low = Number(p.low);
  } finally {
    await admin.disconnect();
  }
  if (end <= low) return end;

  const consumer = kafka.consumer({ groupId: `${opts.groupPrefix}.restore.${randomUUID()}`, readUncommitted: false });
  let position = low;
  let finish!: () => void;
  const done = new Promise<void>((res) => (finish = res));
  const advance = (next: number) => {
    position = Math.max(position, next);
    if (position >= end) finish();
  };
  // Batches that hold only transaction markers or aborted records never reach eachBatch; this event still
  // reports how far the fetch got.
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    if (e.payload.topic === topic && e.payload.partition === partition) advance(Number(e.payload.lastOffset) + 1);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, pause }) => {
        if (batch.partition !== partition) {
          pause();
          return;
        }
        for (const m of batch.messages) {
          if (m.value) opts.onMessage(m.value, m.offset);
          advance(Number(m.offset) + 1);
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(
        () => rej(retriable('kafka_retriable', `reading ${topic}[${partition}] did not reach offset ${end} (at ${position})`)),
        opts.timeoutMs ?? 120_000,
      );
    });
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return end;
}
