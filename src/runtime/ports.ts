import type { ConsumedRecord } from '../kafka/message.js';

/**
 * The thin client port between the runtime's parts and Kafka. The partition manager, committer and intake are
 * written against these interfaces only, so they are unit-tested without a broker (test/runtime/fakes.ts);
 * src/runtime/rdkafka-ports.ts implements them on librdkafka (@confluentinc/kafka-javascript).
 */

/** One consumed record, offsets as numbers (exact up to 2^53). */
export type InputRecord = ConsumedRecord;

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

/** Called by the consumer port from the group protocol (cooperative: only the partitions that change). */
export interface RebalanceListener {
  /**
   * These partitions were added to the assignment, paused: the listener resumes each once it is initialised.
   * `startOffsets`: where the port told the client to start each (its stable committed offset), when it did.
   */
  assigned(partitions: number[], startOffsets?: ReadonlyMap<number, number>): void;
  /**
   * These partitions are being taken away. The port gives them up (incremental unassign) only once the returned
   * promise settles: the runtime first makes sure no transaction of its own still carries their outputs without
   * their offsets (see TransactionalCommitter). `lost`: the membership expired, nothing may be committed for them.
   */
  revoking(partitions: number[], lost: boolean): Promise<void>;
}

export interface ConsumerPort {
  /** Connect and subscribe to the input topic; rebalances are delivered to `listener`. */
  start(listener: RebalanceListener): Promise<void>;
  /** Up to `max` records of assigned, unpaused partitions; waits at most the fetch wait for the first. */
  poll(max: number): Promise<InputRecord[]>;
  pause(partitions: number[]): void;
  resume(partitions: number[]): void;
  /** The next record read from `partition` will be at `offset` (or the first record after it). */
  seek(partition: number, offset: number): Promise<void>;
  /**
   * The group's committed offsets (next offset to read), read stable: while a transaction holding offsets for
   * these partitions is pending, the broker makes the client wait (KIP-447), so a new owner never misses the
   * previous owner's last transaction. Undefined for a partition without a committed offset.
   */
  committed(partitions: number[]): Promise<Map<number, number | undefined>>;
  /** The earliest offset still in the log, per partition (start position without a committed offset). */
  lowWatermark(partition: number): Promise<number>;
  /** Next offset the consumer will fetch on a partition (past transaction markers it has skipped), if known. */
  position(partition: number): number | undefined;
  /** At-least-once only: commit these offsets for the group (synchronously acknowledged). */
  commitOffsets(offsets: Array<{ partition: number; offset: number }>): Promise<void>;
  stop(): Promise<void>;
}

/** A transactional (EOS) or idempotent (at-least-once) producer bound to one consumer's group. */
export interface ProducerPort {
  connect(): Promise<void>;
  /** Queue messages (the current transaction's, under EOS). Never waits for delivery. */
  produce(messages: readonly PreparedMessage[]): void;
  /** At-least-once: resolves once every queued message is acknowledged; rejects if any failed. */
  flush(): Promise<void>;
  beginTransaction(): Promise<void>;
  /** Adds the consumer's offsets to the transaction, with the consumer's group metadata (KIP-447). */
  sendOffsets(offsets: Array<{ partition: number; offset: number }>): Promise<void>;
  commitTransaction(): Promise<void>;
  abortTransaction(): Promise<void>;
  disconnect(): Promise<void>;
}
