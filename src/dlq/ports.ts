import type { ConsumedRecord } from '../kafka/message.js';
import type { ProducerPort } from '../runtime/ports.js';

/** One partition's share of a replay: records at offsets [start, end). */
export interface PartitionRange {
  partition: number;
  start: number;
  end: number;
}

/**
 * The thin port between a replay and Kafka (src/dlq/kafka-ports.ts implements it; unit tests use fakes).
 *
 * `read` reads the dead-letter topic as the replay's consumer group, read_committed, from the group's committed
 * offsets (the beginning without one) to `ends` (default: the end offsets when called). `onEnd` runs once the end
 * is reached, while the group's consumer is still connected: the last transaction's offsets go with its metadata.
 *
 * `newProducer` builds and connects the replay's transactional producer. Its transactional id is the replay's own
 * (stable), so connecting aborts whatever an earlier, killed run of the same replay id left open, and fences a run
 * of it that is still going. Offsets it sends are for the dead-letter topic, with the read's consumer group.
 */
export interface ReplayPorts {
  read(o: {
    ends?: ReadonlyMap<number, number>;
    onRange?(range: readonly PartitionRange[]): void;
    onRecord(r: ConsumedRecord): void | Promise<void>;
    onEnd?(): void | Promise<void>;
  }): Promise<void>;
  newProducer(): Promise<ProducerPort>;
}
