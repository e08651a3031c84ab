import type { z } from 'zod';
import type { Logger } from 'pino';
import type { KafkaClient } from '../kafka/client.js';
import { readToEnd } from '../kafka/read-to-end.js';
import type { Metrics } from '../metrics/catalogue.js';
import { classify, fatal } from '../errors.js';
import type { Codec } from './codec.js';

/**
 * A state store a stage declares and the runtime owns (Kafka Streams' model): the stage keeps the state in memory
 * and writes every change as an output to the changelog topic, in the same transaction as the input's offset; the
 * runtime restores partition p of the store from partition p of the changelog before it hands the stage any record
 * of input partition p (the changelog is co-partitioned with the input), and again after a failed transaction.
 * Restore reads read_committed to the end offset taken at its start (src/kafka/read-to-end.ts), so the state is
 * exactly that of the committed input: changes of aborted transactions are never applied.
 *
 * Invariant: a restore applies every entry or fails; it never skips one. An entry that cannot be decoded because
 * the registry is away (or came back empty) fails the restore as retriable — the partition stays paused and the
 * restore is retried once the registry answers. An entry that cannot be applied at all (bad bytes, a value the
 * store's schema rejects) is fatal, naming its position. Measured before this rule: a restore during a registry
 * outage skipped all 123–177 entries of each partition as "invalid", the dedup then started from an empty state and
 * let 20 exact duplicates through in a chaos run.
 */
export interface StateStoreSpec<V = unknown> {
  /** Logical changelog topic (compacted), co-partitioned with the stage's input. */
  changelogTopic: string;
  /** Each changelog value is decoded by the runtime's codec and validated with this schema before `restore`. */
  schema: z.ZodType<V>;
  /** Apply one changelog value to partition p's state (restore). Must be idempotent: a value may come twice. */
  restore(partition: number, value: V): void;
  /**
   * Forget partition p's state (revoked, or about to be restored again after a failed transaction).
   *
   * Hazard for the stage: the runtime never calls `process` for a record of p once p's state is closed, but it
   * cannot stop a call already running. So `process` must make its state changes before its first `await` (the
   * streaming dedup's are synchronous), or re-check `ctx.signal.aborted` after every await before changing state.
   */
  drop(partition: number): void;
}

export interface StoreRestorer {
  restore(partition: number, signal: AbortSignal): Promise<void>;
  drop(partition: number): void;
}

/** The runtime side of a declared store: restore through the one read-to-end helper, with progress metrics. */
export function storeRestorer(o: {
  spec: StateStoreSpec;
  client: KafkaClient;
  codec: Codec;
  physical: (logical: string) => string;
  stage: string;
  metrics: Metrics;
  logger: Logger;
}): StoreRestorer {
  const topic = o.physical(o.spec.changelogTopic);
  return {
    async restore(partition, signal) {
      o.spec.drop(partition);
      const labels = { stage: o.stage, partition: String(partition) };
      const started = performance.now();
      let applied = 0;
      await readToEnd({
        client: o.client,
        topic,
        partitions: [partition],
        signal,
        onProgress: (remaining) => o.metrics.stateRestoreRemaining.set(labels, remaining),
        onRecord: async (r) => {
          if (r.value === null) return; // tombstone: compaction's delete marker, nothing to apply
          let value: unknown;
          try {
            value = await o.codec.decode(topic, r.value);
          } catch (e) {
            const err = classify(e);
            if (err.kind === 'retriable') throw err; // the registry is away: restore again when it is back
            throw fatal('internal', `state store ${topic}[${partition}] offset ${r.offset}: entry cannot be decoded (${err.message}); refusing to run on a partial state`, { cause: err });
          }
          const parsed = o.spec.schema.safeParse(value);
          if (!parsed.success) {
            throw fatal('internal', `state store ${topic}[${partition}] offset ${r.offset}: entry does not match the store's schema (${parsed.error.message}); refusing to run on a partial state`);
          }
          o.spec.restore(partition, parsed.data);
          applied++;
          o.metrics.stateRestoredRecords.inc({ stage: o.stage });
        },
      });
      o.metrics.stateRestoreRemaining.set(labels, 0);
      o.logger.info({ topic, partition, applied, ms: Math.round(performance.now() - started) }, 'state store restored');
    },
    drop(partition) {
      o.spec.drop(partition);
    },
  };
}
