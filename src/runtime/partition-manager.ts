import type { Logger } from 'pino';
import { classify, type PersonahubError } from '../errors.js';
import { backoffDelayMs, sleep } from './backoff.js';
import { PartitionTracker } from './offset-tracker.js';
import { PartitionState } from './partition-state.js';
import type { ConsumerPort, RebalanceListener } from './ports.js';
import type { RecordResult } from './record-processor.js';
import type { StoreRestorer } from './state-store.js';

export interface PartitionManagerDeps {
  consumer: ConsumerPort;
  logger: Logger;
  store?: StoreRestorer;
  /**
   * Runs a section exclusively with commit rounds (the runner's transaction mutex). Revocation uses it so that no
   * transaction carrying a revoked partition's outputs is still open when the partition is given up.
   */
  exclusive<T>(section: () => Promise<T>): Promise<T>;
  /** Commit whatever the given partitions have completed (their last round before they are given up). */
  commitFinal(states: PartitionState[]): Promise<void>;
  /** Assignment changed / a partition became active: gauges, readiness, backpressure. */
  onChange(): void;
  onRebalance(): void;
  /** A fatal error while initialising: the runner stops. */
  fail(err: PersonahubError): void;
  /** Resume fetching an initialised partition (unless backpressure holds every partition paused). */
  resume(partition: number): void;
  /** Readiness: false while waiting out an outage during initialisation. */
  setWaiting(partition: number, waiting: boolean): void;
}

/**
 * Owns every assigned partition's state (parallel-consumer's PartitionStateManager): assign, initialise (stable
 * committed offset, state store restore), revoke and reset. A revoked or replaced partition's state is closed —
 * its in-flight work is aborted and its late results are dropped because they reference the closed object.
 *
 *   assigned   paused by the consumer port → initialise → tracker at the committed offset → seek → resume
 *   revoking   abort in-flight work → (exclusive with commit rounds) commit what it completed, unless the
 *              assignment was lost → close, drop the store → the port unassigns
 *   reset      after a failed transaction: pause → close → initialise again from the last committed offset
 *              (the store is restored again: changes of the aborted transaction were never committed)
 */
export class PartitionManager implements RebalanceListener {
  private readonly states = new Map<number, PartitionState>();
  private epoch = 0;

  constructor(private readonly d: PartitionManagerDeps) {}

  get(partition: number): PartitionState | undefined {
    return this.states.get(partition);
  }

  all(): PartitionState[] {
    return [...this.states.values()];
  }

  active(): PartitionState[] {
    return this.all().filter((s) => s.active);
  }

  get size(): number {
    return this.states.size;
  }

  assigned(partitions: number[], startOffsets?: ReadonlyMap<number, number>): void {
    this.d.onRebalance();
    for (const p of partitions) {
      this.states.get(p)?.close();
      const state = new PartitionState(p, ++this.epoch);
      this.states.set(p, state);
      void this.initialise(state, startOffsets?.get(p));
    }
    this.d.logger.info({ added: partitions, assignment: [...this.states.keys()] }, 'partitions assigned');
    this.d.onChange();
  }

  async revoking(partitions: number[], lost: boolean): Promise<void> {
    this.d.onRebalance();
    const states = partitions.map((p) => this.states.get(p)).filter((s): s is PartitionState => s !== undefined);
    // In-flight records are abandoned now: their outputs would only be published together with their offsets,
    // and the next owner re-reads them from the committed offset.
    for (const s of states) s.abort.abort();
    await this.d.exclusive(async () => {
      if (!lost) {
        const live = states.filter((s) => s.active && s.tracker!.hasCommittable());
        if (live.length > 0) await this.d.commitFinal(live).catch((e: unknown) => this.d.logger.warn({ err: String(e) }, 'final commit of revoked partitions failed'));
      }
      for (const s of states) {
        s.close();
        if (this.states.get(s.partition) === s) this.states.delete(s.partition);
        this.d.store?.drop(s.partition);
      }
    });
    this.d.logger.info({ revoked: partitions, lost, assignment: [...this.states.keys()] }, 'partitions revoked');
    this.d.onChange();
  }

  /**
   * Start partitions over from their last committed offset (call inside the transaction mutex, after the failed
   * transaction was aborted). Their in-flight work is abandoned; state stores are restored again.
   */
  reset(partitions: number[]): void {
    for (const p of partitions) {
      const old = this.states.get(p);
      if (!old) continue;
      const from = old.tracker?.committed;
      this.d.consumer.pause([p]);
      old.close();
      this.d.store?.drop(p);
      const state = new PartitionState(p, ++this.epoch, 'reset');
      this.states.set(p, state);
      void this.initialise(state, from);
    }
    this.d.onChange();
  }

  /** Forget everything (shutdown). */
  closeAll(): void {
    for (const s of this.states.values()) s.close();
  }

  /**
   * Committed offset (stable read: waits while a previous owner's transaction is pending) → store restore →
   * tracker → seek → resume. Transient failures (broker or registry away) are retried with backoff for as long
   * as the partition stays assigned; only a fatal error stops the runner.
   */
  private async initialise(state: PartitionState, knownCommitted: number | undefined): Promise<void> {
    const p = state.partition;
    for (let attempt = 1; !state.closed; attempt++) {
      try {
        let committed = knownCommitted;
        if (committed === undefined) {
          committed = (await this.d.consumer.committed([p])).get(p);
          if (committed === undefined) committed = await this.d.consumer.lowWatermark(p);
        }
        if (state.closed) return;
        await this.d.store?.restore(p, state.abort.signal);
        if (state.closed) return;
        // A reset partition has fetched past its committed offset: send it back. A newly assigned one was assigned
        // with this very offset as its start (the consumer port), so it is not sought: a seek before its first fetch
        // can fail, and records it fetched meanwhile are kept in `early`.
        if (state.origin === 'reset') await this.d.consumer.seek(p, committed);
        if (state.closed) return;
        state.tracker = new PartitionTracker<RecordResult>(state.epoch, committed);
        state.lastRecordAt = Date.now();
        this.d.setWaiting(p, false);
        this.d.resume(p);
        this.d.onChange();
        return;
      } catch (e) {
        if (state.closed) return;
        const err = classify(e);
        if (err.kind === 'fatal') return this.d.fail(err);
        this.d.setWaiting(p, true);
        this.d.logger.warn({ partition: p, attempt, err: err.message }, 'partition initialisation failed; retrying');
        await sleep(backoffDelayMs(attempt, { initialDelayMs: 500, maxDelayMs: 10_000 }), state.abort.signal);
      }
    }
  }
}
