/**
 * Offset bookkeeping for one assigned input partition, in confluentinc/parallel-consumer's vocabulary.
 *
 *   committed                      the last committed position: the next offset a fresh consumer would read
 *   fetchPosition                  one past the highest offset received (records, control markers and compaction
 *                                  gaps included: offsets below it with no record are trivially complete)
 *   incomplete offsets             received and handed to the stage, not yet completed
 *   highest sequential succeeded   the highest offset with every offset at or below it complete
 *   commit position (watermark)    lowest incomplete offset, or fetchPosition when none is incomplete
 *                                  (= highest sequential succeeded + 1, the "one below the lowest incomplete")
 *   epoch                          assignment epoch: a new tracker (new epoch) on every (re)assignment; work that
 *                                  finishes under an old epoch is dropped, never committed.
 *
 * Invariant: `committable()` only ever returns results of offsets strictly below the watermark, so the outputs of a
 * record are published together with an offset that is past it, and never while an earlier record is unfinished.
 * Results completed above the watermark wait in `entries` (they count as buffered, for backpressure).
 *
 * Offsets are JS numbers: exact up to 2^53, far beyond any partition's lifetime.
 */
export interface Committable<R> {
  /** Next offset to read once these results are committed. */
  watermark: number;
  /** Results of the records below the watermark not yet committed, in offset order. */
  results: R[];
  offsets: number[];
}

interface Entry<R> {
  done: boolean;
  result: R | undefined;
  weight: number;
}

export class PartitionTracker<R> {
  private committedPos: number;
  private fetchPos: number;
  /** Offsets begun and not yet committed, ascending (records arrive in offset order). */
  private readonly order: number[] = [];
  private head = 0;
  private readonly entries = new Map<number, Entry<R>>();
  private incompleteCount = 0;
  private bufferedCount = 0;

  constructor(
    readonly epoch: number,
    /** The committed offset at assignment (next offset to read). */
    committed: number,
  ) {
    this.committedPos = committed;
    this.fetchPos = committed;
  }

  get committed(): number {
    return this.committedPos;
  }
  get fetchPosition(): number {
    return this.fetchPos;
  }
  /** Records received and not yet complete. */
  get incomplete(): number {
    return this.incompleteCount;
  }
  /** Completed results not yet committed (weighted by the caller's `weight`). */
  get buffered(): number {
    return this.bufferedCount;
  }

  /**
   * A record arrived. Returns false when it must be ignored: below the committed position (a stale fetch from
   * before this instance fenced the previous owner) or already received in this epoch (a re-fetch after a
   * rebalance that kept the partition).
   */
  begin(offset: number): boolean {
    if (offset < this.fetchPos) return false;
    this.fetchPos = offset + 1;
    this.order.push(offset);
    this.entries.set(offset, { done: false, result: undefined, weight: 0 });
    this.incompleteCount++;
    return true;
  }

  /** Offsets up to `nextOffset - 1` exist but carry no record for us (control markers, compaction gaps). */
  skipTo(nextOffset: number): void {
    if (nextOffset > this.fetchPos) this.fetchPos = nextOffset;
  }

  /** A record finished; `weight` is how much it adds to `buffered` (e.g. number of output messages). */
  complete(offset: number, result: R, weight = 1): boolean {
    const e = this.entries.get(offset);
    if (!e || e.done) return false;
    e.done = true;
    e.result = result;
    e.weight = weight;
    this.incompleteCount--;
    this.bufferedCount += weight;
    return true;
  }

  lowestIncomplete(): number | undefined {
    for (let i = this.head; i < this.order.length; i++) {
      const o = this.order[i]!;
      if (!this.entries.get(o)!.done) return o;
    }
    return undefined;
  }

  highestSequentialSucceeded(): number {
    return this.watermark() - 1;
  }

  /** The position a commit now would store: lowest incomplete offset, else the fetch position. */
  watermark(): number {
    return this.lowestIncomplete() ?? this.fetchPos;
  }

  /** What a commit round should publish now; nothing changes until `commitSucceeded`. */
  committable(): Committable<R> {
    const watermark = this.watermark();
    const results: R[] = [];
    const offsets: number[] = [];
    for (let i = this.head; i < this.order.length; i++) {
      const o = this.order[i]!;
      if (o >= watermark) break;
      results.push(this.entries.get(o)!.result as R);
      offsets.push(o);
    }
    return { watermark, results, offsets };
  }

  /** True when a commit would move the committed position or publish results. */
  hasCommittable(): boolean {
    return this.watermark() > this.committedPos;
  }

  /** The transaction (or offset commit) for `watermark` succeeded: forget everything below it. */
  commitSucceeded(watermark: number): void {
    while (this.head < this.order.length && this.order[this.head]! < watermark) {
      const o = this.order[this.head]!;
      this.bufferedCount -= this.entries.get(o)?.weight ?? 0;
      this.entries.delete(o);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
    if (watermark > this.committedPos) this.committedPos = watermark;
  }
}
