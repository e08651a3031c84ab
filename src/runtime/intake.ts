import type { Logger } from 'pino';
import { classify, type PersonahubError } from '../errors.js';
import type { PartitionManager } from './partition-manager.js';
import type { PartitionState } from './partition-state.js';
import type { ConsumerPort, InputRecord } from './ports.js';

/** How long a full stage waits for a record to complete before pausing its partitions (see run()). */
const FULL_WAIT_MS = 200;

export interface IntakeDeps {
  consumer: ConsumerPort;
  partitions: PartitionManager;
  logger: Logger;
  /** How many more records may be handed over now (the in-flight bound minus what is in flight). */
  capacity(): number;
  /** True while in-flight records or buffered outputs are at their bound (or a pause gate is closed). */
  overLimit(): boolean;
  /** True while only the stage's own bounds are reached (in flight or buffered): worth a short wait before pausing. */
  full(): boolean;
  /** Hand one record of an active partition to the stage (already begun in its tracker). */
  handOff(state: PartitionState, record: InputRecord): void;
  /** After each poll (and whatever it handed over): counters and gauges, once per poll rather than per record. */
  onHandedOff(): void;
  /** Pause state changed (metrics). */
  onPauseChange(paused: boolean): void;
  fail(err: PersonahubError): void;
}

/**
 * The consume loop: poll, hand records of active partitions to the stage, and apply backpressure.
 *
 * Backpressure pauses the assigned partitions at the consumer rather than stopping to poll: polling must go on,
 * because rebalance callbacks are served from it and librdkafka leaves the group when the application has not
 * polled for max.poll.interval.ms (a slow LLM would otherwise cost the assignment). A pause discards what
 * librdkafka had prefetched for the partition; after resume it fetches again from the last delivered offset.
 *
 * Transaction markers: the consumer's position moves past markers and aborted records it never delivers. When a
 * partition has no record in flight the tracker's fetch position is moved up to the consumer's, so the committed
 * offset passes them too (otherwise a drained exactly-once consumer shows a lag of one marker per upstream
 * transaction). Hazard: that position must describe what this state received. After a reset it can still be the
 * old fetch's (records dropped while initialising, to be fetched again after the seek); moving the tracker there
 * would treat them as done and commit past them. So it is used only once the state has received a record
 * (PartitionState.positionTrusted).
 */
export class Intake {
  private running = false;
  private paused = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly d: IntakeDeps) {}

  start(): void {
    this.running = true;
    this.loop = this.run().catch((e: unknown) => this.d.fail(classify(e)));
  }

  /**
   * Capacity freed or partitions changed: resume at once if the bounds allow it. Pausing is left to the loop, which
   * first waits FULL_WAIT_MS for capacity (see run()): a nudge while the stage is merely full must not pause.
   */
  nudge(): void {
    if (this.paused) this.applyBackpressure();
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private async run(): Promise<void> {
    while (this.running) {
      // In flight or buffered outputs at their bound: on a fast stage a record completes (or a commit round frees
      // the buffer) within milliseconds, so wait for that (woken by nudge) before pausing. A pause discards what
      // librdkafka prefetched and the resume waits for a new fetch (measured: 100-250 ms with nothing delivered):
      // pausing whenever a full poll filled a bound left a pass-through stage idle a third of the time.
      if (!this.paused && (this.d.capacity() <= 0 || this.d.full())) {
        // Until there is room (a completion does not free the output buffer, a round does) or the wait is over.
        const until = performance.now() + FULL_WAIT_MS;
        while (this.running && (this.d.capacity() <= 0 || this.d.full()) && performance.now() < until) await this.waitForCapacity(until - performance.now());
      }
      this.applyBackpressure();
      // Poll at most what may be handed over; while paused, poll anyway (rebalances are served from poll).
      const records = await this.d.consumer.poll(Math.max(1, this.paused ? 1 : this.d.capacity()));
      for (const s of this.d.partitions.active()) if (s.early.length > 0) this.takeEarly(s);
      for (const r of records) {
        const state = this.d.partitions.get(r.partition);
        if (!state || state.closed) continue; // no longer ours: the next owner reads it from the committed offset
        if (!state.active) {
          // Initialising. After an assignment, keep it (see PartitionState.early); after a reset the seek to the
          // committed offset fetches it again.
          if (state.origin === 'assigned') state.early.push(r);
          continue;
        }
        if (state.early.length > 0) this.takeEarly(state);
        this.begin(state, r);
      }
      this.d.onHandedOff(); // every turn: records of initialised partitions may have been handed over without a poll
      for (const state of this.d.partitions.active()) {
        if (state.tracker!.incomplete > 0 || !state.positionTrusted) continue;
        const position = this.d.consumer.position(state.partition);
        if (position !== undefined) state.tracker!.skipTo(position);
      }
    }
  }

  /**
   * Until something changed (nudge) or `ms` pass. A nudge resumes the loop only after the I/O phase
   * (setImmediate): completions come in bursts (a whole poll's records finish in the same tick), and resuming at
   * the first one polled for a single record, one thread-pool round trip per record (measured: every other poll of
   * a pass-through stage returned 1 record).
   */
  private waitForCapacity(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (this.wake === wake) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      const wake = () => void setImmediate(done);
      this.wake = wake;
    });
  }

  private begin(state: PartitionState, r: InputRecord): void {
    if (!state.tracker!.begin(r.offset)) return;
    state.positionTrusted = true;
    state.lastRecordAt = Date.now();
    this.d.handOff(state, r);
  }

  private takeEarly(state: PartitionState): void {
    const early = state.early;
    state.early = [];
    for (const r of early) this.begin(state, r);
  }

  private applyBackpressure(): void {
    const over = this.d.overLimit();
    const active = this.d.partitions.active().map((s) => s.partition);
    if (over && !this.paused) {
      this.d.consumer.pause(active);
      this.paused = true;
      this.d.onPauseChange(true);
    } else if (!over && this.paused) {
      this.d.consumer.resume(active);
      this.paused = false;
      this.d.onPauseChange(false);
    }
  }
}
