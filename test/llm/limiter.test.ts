import { describe, expect, it, vi } from 'vitest';
import { EndpointLimiter, type Permit } from '../../src/llm/limiter.js';
import { maxInWindow } from '../../src/util/window.js';

/**
 * Runs `body` on a fake clock (timers and performance.now): admissions happen at exactly the times the limiter
 * chooses, so the assertions judge the limiter and not the scheduler. On the real clock a loaded machine (load 10
 * on 2 cores) once delayed a test's own timestamp past the 2 ms guard and the sliding-window check failed.
 */
async function onFakeClock<T>(body: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  vi.advanceTimersByTime(10_000); // a clock at 0 would be a process's first instant, not a typical one
  try {
    let settled = false;
    const p = body().finally(() => (settled = true));
    for (let i = 0; !settled; i++) {
      if (i > 100_000) throw new Error('the body did not finish on the fake clock');
      await vi.advanceTimersToNextTimerAsync();
    }
    return await p;
  } finally {
    vi.useRealTimers();
  }
}

describe('EndpointLimiter', () => {
  it('never has more than maxInFlight open and serves waiters in order', async () => {
    const l = new EndpointLimiter({ maxInFlight: 3, requestsPerWindow: 1e9, tokensPerWindow: 1e9, windowMs: 1000 });
    let open = 0;
    let maxOpen = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const p = await l.acquire(1);
        order.push(i);
        open++;
        maxOpen = Math.max(maxOpen, open);
        await new Promise((r) => setTimeout(r, 1 + (i % 3)));
        open--;
        p.release();
      }),
    );
    expect(maxOpen).toBe(3);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(l.inFlight).toBe(0);
  });

  it('holds the request rate in every sliding window', async () => {
    await onFakeClock(async () => {
      const windowMs = 200;
      const l = new EndpointLimiter({ maxInFlight: 100, requestsPerWindow: 5, tokensPerWindow: 1e9, windowMs, guardMs: 2 });
      const starts: number[] = [];
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          const p = await l.acquire(0);
          starts.push(performance.now());
          p.release();
        }),
      );
      expect(maxInWindow(starts, windowMs)).toBe(5);
      // 16 admissions at 5 per window need at least three further windows after the first burst.
      expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(3 * windowMs);
    });
  });

  it('holds the token budget, corrected by the reported usage', async () => {
    await onFakeClock(async () => {
      const windowMs = 200;
      const l = new EndpointLimiter({ maxInFlight: 100, requestsPerWindow: 1e9, tokensPerWindow: 100, windowMs, guardMs: 2 });
      const log: Array<[number, number]> = [];
      const run = async (est: number, actual: number) => {
        const p = await l.acquire(est);
        log.push([performance.now(), actual]);
        p.release(actual);
      };
      // Estimates say 10 tokens, the endpoint reports 50: only two fit per window once corrected.
      await run(10, 50);
      await run(10, 50);
      const t0 = performance.now();
      await run(10, 50);
      expect(performance.now() - t0).toBeGreaterThan(windowMs * 0.8);
      for (const [t] of log) {
        const inWindow = log.filter(([u]) => u >= t && u < t + windowMs).reduce((s, [, n]) => s + n, 0);
        expect(inWindow).toBeLessThanOrEqual(100);
      }
    });
  });

  it('paces tokens like requests: a token limit spreads starts over the window instead of bursting', async () => {
    await onFakeClock(async () => {
      // 1000 tokens per 500 ms and 100-token calls: one start per ~50 ms. A window-only limit would let 10 start at
      // once and then idle for the rest of the window.
      const windowMs = 500;
      const l = new EndpointLimiter({ maxInFlight: 100, requestsPerWindow: 1e9, tokensPerWindow: 1000, windowMs, guardMs: 2 });
      const starts: number[] = [];
      await Promise.all(
        Array.from({ length: 12 }, async () => {
          const p = await l.acquire(100);
          starts.push(performance.now());
          p.release(100);
        }),
      );
      starts.sort((a, b) => a - b);
      const t0 = starts[0]!;
      // The 100 ms catch-up tolerance admits at most 3 at once; after that, about one per 50 ms.
      expect(starts.filter((t) => t - t0 < 100).length).toBeLessThanOrEqual(4);
      expect(starts.at(-1)! - t0).toBeGreaterThanOrEqual(8 * 50 * 0.9);
      expect(maxInWindow(starts, windowMs)).toBeLessThanOrEqual(10);
    });
  });

  it('lets a request larger than the whole token budget through alone', async () => {
    const l = new EndpointLimiter({ maxInFlight: 10, requestsPerWindow: 100, tokensPerWindow: 10, windowMs: 100 });
    const p = await l.acquire(1000);
    p.release(1000);
  });

  it('a hold delays every admission; an abort removes a waiter', async () => {
    await onFakeClock(async () => {
      const l = new EndpointLimiter({ maxInFlight: 1, requestsPerWindow: 100, tokensPerWindow: 1e9, windowMs: 1000 });
      const first: Permit = await l.acquire(0);
      const ac = new AbortController();
      const aborted = l.acquire(0, ac.signal).catch((e: unknown) => e);
      ac.abort(new Error('revoked'));
      expect(await aborted).toEqual(new Error('revoked'));
      expect(l.waiting).toBe(0);
      l.hold(80);
      first.release();
      first.release(); // idempotent
      const t0 = performance.now();
      (await l.acquire(0)).release();
      expect(performance.now() - t0).toBeGreaterThanOrEqual(79);
      expect(l.inFlight).toBe(0);
    });
  });
});
