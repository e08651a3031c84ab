import { describe, expect, it } from 'vitest';
import { PartitionTracker } from '../../src/runtime/offset-tracker.js';

/** Named scenarios, in the style of parallel-consumer's PartitionState tests. */
describe('PartitionTracker', () => {
  it('in-order completion: watermark follows the highest sequential succeeded', () => {
    const t = new PartitionTracker<string>(1, 0);
    for (const o of [0, 1, 2]) t.begin(o);
    t.complete(0, 'a');
    expect(t.watermark()).toBe(1);
    t.complete(1, 'b');
    t.complete(2, 'c');
    expect(t.committable()).toEqual({ watermark: 3, results: ['a', 'b', 'c'], offsets: [0, 1, 2] });
    expect(t.highestSequentialSucceeded()).toBe(2);
  });

  it('out-of-order completion never commits past an incomplete record', () => {
    const t = new PartitionTracker<number>(1, 10);
    for (let o = 10; o < 20; o++) t.begin(o);
    // everything but offset 13 completes, in shuffled order
    for (const o of [19, 11, 17, 10, 12, 18, 14, 16, 15]) t.complete(o, o);
    expect(t.lowestIncomplete()).toBe(13);
    const c = t.committable();
    expect(c.watermark).toBe(13);
    expect(c.results).toEqual([10, 11, 12]);
    t.commitSucceeded(c.watermark);
    expect(t.committed).toBe(13);
    expect(t.buffered).toBe(6); // 14..19 wait for 13
    t.complete(13, 13);
    expect(t.committable()).toEqual({ watermark: 20, results: [13, 14, 15, 16, 17, 18, 19], offsets: [13, 14, 15, 16, 17, 18, 19] });
  });

  it('gaps (control markers, compaction): missing offsets count as complete', () => {
    const t = new PartitionTracker<string>(1, 0);
    t.begin(0);
    t.begin(5); // 1..4 compacted away or transaction markers
    t.complete(5, 'f');
    expect(t.watermark()).toBe(0);
    t.complete(0, 'a');
    expect(t.watermark()).toBe(6);
    t.skipTo(8); // the batch ended with two control records
    expect(t.committable().watermark).toBe(8);
  });

  it('an empty partition with only control records still advances', () => {
    const t = new PartitionTracker<string>(1, 3);
    expect(t.hasCommittable()).toBe(false);
    t.skipTo(5);
    expect(t.hasCommittable()).toBe(true);
    expect(t.committable()).toEqual({ watermark: 5, results: [], offsets: [] });
  });

  it('re-delivery after a rebalance that kept the partition is ignored', () => {
    const t = new PartitionTracker<string>(1, 0);
    expect(t.begin(0)).toBe(true);
    expect(t.begin(1)).toBe(true);
    expect(t.begin(0)).toBe(false);
    expect(t.begin(1)).toBe(false);
    expect(t.begin(2)).toBe(true);
    expect(t.incomplete).toBe(3);
  });

  it('stale fetch below the committed position (fetched before fencing) is ignored', () => {
    const t = new PartitionTracker<string>(2, 100);
    expect(t.begin(97)).toBe(false);
    expect(t.begin(100)).toBe(true);
  });

  it('restart from a lower committed offset reprocesses from there', () => {
    // A previous instance had received up to 50 but committed only 40: the new epoch starts at 40.
    const before = new PartitionTracker<number>(1, 30);
    for (let o = 30; o < 50; o++) before.begin(o);
    for (let o = 30; o < 40; o++) before.complete(o, o);
    before.commitSucceeded(before.committable().watermark);
    expect(before.committed).toBe(40);
    const after = new PartitionTracker<number>(2, before.committed);
    expect(after.begin(40)).toBe(true);
    after.complete(40, 40);
    expect(after.committable()).toEqual({ watermark: 41, results: [40], offsets: [40] });
  });

  it('revocation mid-flight: completions reported to the old epoch do not touch the new one', () => {
    const old = new PartitionTracker<string>(1, 0);
    old.begin(0);
    old.begin(1);
    const fresh = new PartitionTracker<string>(2, 0); // re-assigned: new epoch, from the committed position
    // the runtime routes a completion by (partition, epoch); the old tracker is dropped, the new one is untouched
    old.complete(1, 'late');
    expect(fresh.incomplete).toBe(0);
    expect(fresh.hasCommittable()).toBe(false);
    expect(fresh.epoch).not.toBe(old.epoch);
  });

  it('double completion and unknown offsets are rejected', () => {
    const t = new PartitionTracker<string>(1, 0);
    t.begin(0);
    expect(t.complete(0, 'a')).toBe(true);
    expect(t.complete(0, 'b')).toBe(false);
    expect(t.complete(7, 'x')).toBe(false);
    expect(t.committable().results).toEqual(['a']);
  });

  it('buffered weight is released on commit', () => {
    const t = new PartitionTracker<string>(1, 0);
    t.begin(0);
    t.begin(1);
    t.complete(1, 'b', 3);
    expect(t.buffered).toBe(3);
    t.complete(0, 'a', 2);
    t.commitSucceeded(t.committable().watermark);
    expect(t.buffered).toBe(0);
    expect(t.committed).toBe(2);
  });

  it('a commit for a watermark below the current one keeps later entries', () => {
    const t = new PartitionTracker<number>(1, 0);
    for (let o = 0; o < 4; o++) t.begin(o);
    for (let o = 0; o < 4; o++) t.complete(o, o);
    t.commitSucceeded(2);
    expect(t.committable()).toEqual({ watermark: 4, results: [2, 3], offsets: [2, 3] });
  });
});
