import { setMaxListeners } from 'node:events';
import type { Producer } from 'kafkajs';
import { PartitionTracker } from './offset-tracker.js';
import type { RecordResult } from './record-processor.js';

/**
 * Everything the runtime holds for one assigned input partition during one assignment epoch. A partition gets a
 * fresh PartitionState (new epoch) when it is assigned, and again whenever its transactional state is reset
 * (failed transaction, fencing). Work started under an old epoch is aborted through `abort` and its results are
 * dropped: they are routed by (partition, epoch) and the old state is no longer in the runner's map.
 */
export class PartitionState {
  readonly abort = new AbortController();
  tracker: PartitionTracker<RecordResult> | undefined;
  /** Settles when the partition may take records: producer fenced the previous owner, committed offset known. */
  ready: Promise<void> = Promise.resolve();
  /** EOS only: the transactional producer of this input partition (transactional id derived, never generated). */
  producer: Producer | undefined;
  /** Set when the state was replaced or revoked; late completions must check it. */
  closed = false;

  constructor(
    readonly partition: number,
    readonly epoch: number,
  ) {
    // Every in-flight record (and each LLM call it makes) listens on this one signal: hundreds by design.
    setMaxListeners(0, this.abort.signal);
  }
}
