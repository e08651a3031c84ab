import { describe, expect, it } from 'vitest';
import { backoffMs, sleep } from '../../src/llm/backoff.js';

describe('backoffMs', () => {
  it('grows exponentially with equal jitter, capped, and never below Retry-After', () => {
    expect(backoffMs(1, 100, 10_000, undefined, () => 0)).toBe(50);
    expect(backoffMs(1, 100, 10_000, undefined, () => 0.999)).toBeCloseTo(99.95);
    expect(backoffMs(4, 100, 10_000, undefined, () => 0)).toBe(400);
    expect(backoffMs(20, 100, 1_000, undefined, () => 1)).toBe(1_000);
    expect(backoffMs(1, 100, 10_000, 2_500, () => 0.5)).toBe(2_500);
  });
});

describe('sleep', () => {
  it('waits at least the time asked by the monotonic clock', async () => {
    const t0 = performance.now();
    await sleep(30);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(30);
  });
  it('rejects with the abort reason', async () => {
    const ac = new AbortController();
    const p = sleep(10_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});
