/**
 * Why the LLM layer has its own limiter: the most requests that bottleneck (reservoir refreshed every window) and
 * EndpointLimiter (paced sliding log) let start within any sliding window, for the same "N per window" limit.
 * Run: `npx tsx bench/llm-limiter-compare.ts`.
 */
import Bottleneck from 'bottleneck';
import { fileURLToPath } from 'node:url';
import { EndpointLimiter } from '../src/llm/limiter.js';

function maxInWindow(ts: number[], w: number): number {
  const a = [...ts].sort((x, y) => x - y);
  let best = 0;
  for (let i = 0, j = 0; j < a.length; j++) {
    while (a[j]! - a[i]! >= w) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

export async function compareLimiters(perWindow = 50, windowMs = 500, jobs = 300): Promise<Record<string, { maxInSlidingWindow: number; limit: number; seconds: number }>> {
  const out: Record<string, { maxInSlidingWindow: number; limit: number; seconds: number }> = {};
  // Jobs take a little time, like a request does, and all are offered at once.
  const work = () => new Promise((r) => setTimeout(r, 5));

  const b = new Bottleneck({ reservoir: perWindow, reservoirRefreshAmount: perWindow, reservoirRefreshInterval: windowMs, maxConcurrent: 1000 });
  const bStarts: number[] = [];
  let t0 = performance.now();
  await Promise.all(Array.from({ length: jobs }, () => b.schedule(async () => (bStarts.push(performance.now()), work()))));
  out['bottleneck reservoir'] = { maxInSlidingWindow: maxInWindow(bStarts, windowMs), limit: perWindow, seconds: (performance.now() - t0) / 1000 };
  await b.stop({ dropWaitingJobs: true });

  const l = new EndpointLimiter({ maxInFlight: 1000, requestsPerWindow: perWindow, tokensPerWindow: 1e12, windowMs });
  const lStarts: number[] = [];
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      const p = await l.acquire(0);
      lStarts.push(performance.now());
      await work();
      p.release();
    }),
  );
  out['EndpointLimiter'] = { maxInSlidingWindow: maxInWindow(lStarts, windowMs), limit: perWindow, seconds: (performance.now() - t0) / 1000 };
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.table(await compareLimiters());
}
