import { describe, expect, it } from 'vitest';
import { PartitionIndex, type OfferedItem } from '../../src/dedup/stream/partition-index.js';
import { jaccardSorted } from '../../src/dedup/minhash.js';
import { base64ToU32s, type ChangelogEntry } from '../../src/dedup/stream/route-record.js';

const near = (s: ArrayLike<number>, i: ArrayLike<number>) => jaccardSorted(s, i) >= 0.9;
const words = (from: number, n = 12) => Array.from({ length: n }, (_, i) => (from + i) * 10);
const item = (o: Partial<OfferedItem> & { payload: number[] }): OfferedItem => ({ xh: 1, ref: 0, keys: [100, 200, 300], ...o });

describe('PartitionIndex.offer', () => {
  it('stores the first item, drops an exact copy (same xh and payload, other ref) and a verified near-duplicate', () => {
    const ix = new PartitionIndex(0, 8, near);
    expect(ix.offer(item({ payload: words(0), ref: 5 })).action).toBe('stored');
    expect(ix.offer(item({ payload: words(0), ref: 9 }))).toEqual({ action: 'duplicate', by: 'exact' });
    // 12 shared of 13 words: Jaccard 0.923; shares only key 300
    expect(ix.offer(item({ xh: 2, payload: [...words(0), 999].sort((a, b) => a - b), keys: [7, 8, 300] }))).toEqual({ action: 'duplicate', by: 'near' });
    expect(ix.size).toBe(1);
  });

  it('a candidate under a shared key that does not verify is stored; an item sharing no key is never compared', () => {
    const ix = new PartitionIndex(0, 8, near);
    ix.offer(item({ payload: words(0) }));
    expect(ix.offer(item({ xh: 3, payload: words(100), keys: [100] })).action).toBe('stored');
    expect(ix.offer(item({ xh: 4, payload: words(0), keys: [55] })).action).toBe('stored'); // same words, no shared key
    expect(ix.size).toBe(3);
  });

  it('the same record again (same ref) is a replay, not its own duplicate', () => {
    const ix = new PartitionIndex(0, 8, near);
    ix.offer(item({ payload: words(0), ref: 42 }));
    const d = ix.offer(item({ payload: words(0), ref: 42 }));
    expect(d.action).toBe('replay');
    expect(ix.size).toBe(1);
  });

  it('semantic: cosine >= threshold drops when the payloads do not verify', () => {
    const ix = new PartitionIndex(0, 8, near, 0.9);
    const v = (a: number, b: number) => Float32Array.from([a, b]);
    ix.offer(item({ payload: words(0), vec: v(1, 0) }));
    expect(ix.offer(item({ xh: 2, payload: words(100), vec: v(0.95, Math.sqrt(1 - 0.95 ** 2)) }))).toEqual({ action: 'duplicate', by: 'semantic' });
    expect(ix.offer(item({ xh: 3, payload: words(200), vec: v(0.8, 0.6) })).action).toBe('stored');
  });

  it('grows far past its initial tables and still finds every stored item by each of its keys', () => {
    const ix = new PartitionIndex(0, 8, near);
    for (let i = 0; i < 5000; i++) ix.offer({ xh: i, ref: i, keys: [i * 16 + 1, i * 16 + 2], payload: words(i * 20) });
    for (let i = 0; i < 5000; i += 97) expect(ix.offer({ xh: i, ref: 1e6, keys: [i * 16 + 2], payload: words(i * 20) })).toEqual({ action: 'duplicate', by: 'exact' });
    expect(ix.size).toBe(5000);
  });
});

describe('PartitionIndex changelog segments', () => {
  function build(n: number, S: number) {
    const ix = new PartitionIndex(3, S, near);
    const entries: ChangelogEntry[] = [];
    for (let i = 0; i < n; i++) {
      const d = ix.offer({ xh: i, ref: i, keys: [i * 7 + 1, i * 7 + 2, i * 7 + 3], payload: words(i * 20) });
      if (d.action === 'stored') entries.push(d.entry);
    }
    return { ix, entries };
  }

  it('each stored item rewrites its segment with every item of it so far (cumulative)', () => {
    const { entries } = build(10, 4);
    expect(entries.map((e) => e.seg)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
    const items = (e: ChangelogEntry) => {
      const d = base64ToU32s(e.data);
      let n = 0;
      for (let at = 0; at < d.length; at += d[at]!) n++;
      return n;
    };
    expect(entries.map(items)).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2]);
  });

  it('restore from every version or only the last per segment (compacted) gives the same state; re-applying is a no-op', () => {
    const { ix, entries } = build(21, 4);
    const lastPerSeg = [...new Map(entries.map((e) => [e.seg, e])).values()];
    for (const log of [entries, lastPerSeg, [...lastPerSeg, ...lastPerSeg]]) {
      const r = new PartitionIndex(3, 4, near);
      for (const e of log) r.restore(e);
      expect(r.size).toBe(ix.size);
      expect(r.byteLength).toBe(ix.byteLength);
      // the restored state decides like the original: every item is found again, a new one is stored under the next segment
      expect(r.offer({ xh: 5, ref: 99, keys: [5 * 7 + 2], payload: words(5 * 20) })).toEqual({ action: 'duplicate', by: 'exact' });
      const d = r.offer({ xh: 1000, ref: 1000, keys: [1], payload: words(50_000) });
      expect(d.action === 'stored' && d.entry.seg).toBe(5);
    }
  });

  it('a segment arriving before the ones it follows is refused (a restore never runs on a partial state)', () => {
    const { entries } = build(9, 4);
    const r = new PartitionIndex(3, 4, near);
    expect(() => r.restore(entries[8]!)).toThrow(/segment 2 arrived with only 0 items/);
  });
});
