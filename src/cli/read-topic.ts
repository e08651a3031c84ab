import type { RecordMeta } from '../runtime/stage.js';
import type { KafkaClient } from '../kafka/client.js';
import { readToEnd } from '../kafka/read-to-end.js';
import type { Codec } from '../runtime/codec.js';

/**
 * Reading a topic from the command line (`tail`, `export`, `up`'s summary), decoded. Not a stage: nothing is
 * committed and no consumer group is created; records are read `read_committed`, so aborted transactional output
 * is never shown. "Caught up" is exact, not a timeout (src/kafka/read-to-end.ts, the project's one read-to-end
 * helper).
 */
export interface TopicRecord extends RecordMeta {
  /** Decoded value, or undefined when it did not decode (see `error`). */
  value: unknown;
  raw: Buffer | null;
  error?: string;
}

export interface ReadTopicOptions {
  kafka: KafkaClient;
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
  return readToEnd({
    client: o.kafka,
    topic: o.topic,
    from: o.fromBeginning ? 'beginning' : 'end',
    follow: !o.untilCaughtUp,
    ...(o.limit !== undefined ? { limit: o.limit } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    onRecord: async (m) => {
      const rec: TopicRecord = {
        topic: o.topic,
        partition: m.partition,
        offset: String(m.offset),
        key: m.key ? m.key.toString('utf8') : null,
        timestamp: new Date(m.timestamp).toISOString(),
        headers: m.headers,
        value: undefined,
        raw: m.value,
      };
      try {
        rec.value = await o.codec.decode(o.topic, m.value ?? Buffer.alloc(0));
      } catch (e) {
        rec.error = e instanceof Error ? e.message : String(e);
      }
      await o.onRecord(rec);
    },
  });
}
