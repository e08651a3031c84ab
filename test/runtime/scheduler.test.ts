import { describe, expect, it } from 'vitest';
import { OrderedScheduler } from '../../src/runtime/scheduler.js';
import { backoffDelayMs } from '../../src/runtime/backoff.js';

/** A task whose completion the test controls, recording start order. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { task: async () => { log.push(`start ${name}`); await done; log.push(`end ${name}`); return name; }, release };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('OrderedScheduler', () => {
  it('unordered: runs up to the concurrency, queues the rest', async () => {
    const s = new OrderedScheduler('unordered', 2);
    const log: string[] = [];
    const g = ['a', 'b', 'c'].map((n) => gate(log, n));
    const results = g.map((x) => s.submit(undefined, x.task));
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    expect(s.pending).toBe(3);
    expect(s.active).toBe(2);
    g[1]!.release();
    await tick(); await tick();
    expect(log).toContain('start c');
    g[0]!.release(); g[2]!.release();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
    expect(s.pending).toBe(0);
  });

  it('key: same key serialised in submission order, other keys in parallel', async () => {
    const s = new OrderedScheduler('key', 10);
    const log: string[] = [];
    const a1 = gate(log, 'a1'), a2 = gate(log, 'a2'), b1 = gate(log, 'b1');
    const k = (key: string) => s.orderingKey(0, key);
    const all = [s.submit(k('a'), a1.task), s.submit(k('a'), a2.task), s.submit(k('b'), b1.task)];
    await tick();
    expect(log).toEqual(['start a1', 'start b1']);
    b1.release();
    await tick(); await tick();
    expect(log).not.toContain('start a2');
    a1.release();
    await tick(); await tick();
    expect(log.indexOf('start a2')).toBeGreaterThan(log.indexOf('end a1'));
    a2.release();
    await Promise.all(all);
  });

  it('key: a waiting task does not hold a slot', async () => {
    const s = new OrderedScheduler('key', 1);
    const log: string[] = [];
    const a1 = gate(log, 'a1'), a2 = gate(log, 'a2'), b1 = gate(log, 'b1');
    const all = [s.submit('a', a1.task), s.submit('a', a2.task), s.submit('b', b1.task)];
    await tick();
    a1.release();
    await tick(); await tick(); await tick();
    // after a1, one slot: a2 (released by the chain) and b1 (queued for a slot) both got their turn in order
    b1.release(); a2.release();
    await Promise.all(all);
    expect(log.filter((l) => l.startsWith('start'))).toHaveLength(3);
  });

  it('partition: null keys and different keys of one partition are serialised', () => {
    const s = new OrderedScheduler('partition', 10);
    expect(s.orderingKey(3, 'x')).toBe(s.orderingKey(3, null));
    expect(s.orderingKey(3, 'x')).not.toBe(s.orderingKey(4, 'x'));
    const u = new OrderedScheduler('unordered', 10);
    expect(u.orderingKey(3, 'x')).toBeUndefined();
    const k = new OrderedScheduler('key', 10);
    expect(k.orderingKey(3, null)).toBeUndefined();
  });
});

describe('backoffDelayMs', () => {
  const opts = { initialDelayMs: 100, maxDelayMs: 1000 };
  it.each([
    [1, 0.999, 99],
    [2, 0.999, 199],
    [4, 0.999, 799],
    [10, 0.999, 999],
    [3, 0, 0],
  ])('attempt %i with random %f → %i ms', (attempt, r, expected) => {
    expect(backoffDelayMs(attempt, opts, undefined, () => r)).toBe(expected);
  });
  it('never less than Retry-After', () => {
    expect(backoffDelayMs(1, opts, 5000, () => 0.5)).toBe(5000);
  });
});

describe('OrderedScheduler accounting', () => {
  it('a settled task is already counted out of pending when its promise resolves', async () => {
    const s = new OrderedScheduler('unordered', 1);
    const seen = await s.submit(undefined, async () => 'x').then(() => s.pending);
    expect(seen).toBe(0);
  });
});
