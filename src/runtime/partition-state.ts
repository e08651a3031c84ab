import { setMaxListeners } from 'node:events';
import { PartitionTracker } from './offset-tracker.js';
import type { RecordResult } from './record-processor.js';

/**
 * Everything the runtime holds for one assigned input partition during one assignment epoch. A partition gets a
 * fresh PartitionState (new epoch) when it is assigned, and again whenever a failed transaction resets it. Work
 * started under an old epoch is aborted through `abort` and its results are dropped: they are routed to the
 * state object they started under, which is `closed` and no longer in the partition manager's map.
 *
 * Life cycle: initialising (paused at the consumer; committed offset and state store being read) → active
 * (`tracker` set, records flow) → closed (revoked or replaced; never reopened).
 */
export class PartitionState {
  readonly abort = new AbortController();
  tracker: PartitionTracker<RecordResult> | undefined;
  closed = false;
  /**
   * Records fetched while the partition was still initialising after an assignment (its pause can race a fetch
   * already under way). Handed over, in order, once it is active: librdkafka starts an assigned partition at the
   * same stable committed offset the tracker starts at, so nothing is re-fetched and nothing may be dropped.
   */
  early: Array<import('./ports.js').InputRecord> = [];
  /**
   * Whether the consumer's position may be used to move past transaction markers (Intake): only once this state has
   * received a record. Before that the position can describe an earlier fetch — from before a reset's seek, or
   * from an earlier assignment of the same partition to this consumer (librdkafka keeps it across unassign) — and
   * moving the tracker there would skip records never processed (measured: a whole partition skipped in a chaos run).
   */
  positionTrusted: boolean;
  /** When the partition last received a record (or became active): the runner's stall watchdog reads it. */
  lastRecordAt = Date.now();
  /** How often the stall watchdog had to re-seek it. */
  unstalls = 0;

  constructor(
    readonly partition: number,
    readonly epoch: number,
    /** 'assigned': starts where librdkafka starts it; 'reset': restarted from its committed offset by a seek. */
    readonly origin: 'assigned' | 'reset' = 'assigned',
  ) {
    this.positionTrusted = false;
    // Every in-flight record of the partition listens on this one signal (directly or through a dependent one).
    setMaxListeners(0, this.abort.signal);
  }

  /** Records may be handed to the stage: initialised and not closed. */
  get active(): boolean {
    return !this.closed && this.tracker !== undefined;
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
  }
}
