/**
 * Why the LLM layer has its own limiter: the most requests that bottleneck (reservoir refreshed every window) and
 * EndpointLimiter (paced sliding log) let start within any sliding window, for the same "N per window" limit.
 * Run: `npx tsx bench/llm-limiter-compare.ts`.
 */
import Bottleneck from 'bottleneck';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { EndpointLimiter } from '../src/llm/limiter.js';
import type { Benchmark } from './types.js';
import { maxInWindow } from '../src/util/window.js';


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

export const llmLimiterCompare: Benchmark = {
  name: 'llm-limiter',
  description: 'Most starts in any sliding window: bottleneck reservoir vs EndpointLimiter, same limit',
  async run() {
    const r = await compareLimiters(50, 500, 300);
    const at = new Date().toISOString();
    const conditions = `limit 50 per 500 ms window, 300 jobs of 5 ms offered at once, ${cpus().length} cores`;
    return [
      { name: 'llm-limiter.bottleneck-reservoir.max-in-window', value: r['bottleneck reservoir']!.maxInSlidingWindow, unit: 'starts (limit 50)', conditions, at },
      { name: 'llm-limiter.endpoint-limiter.max-in-window', value: r['EndpointLimiter']!.maxInSlidingWindow, unit: 'starts (limit 50)', conditions, at },
    ];
  },
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.table(await compareLimiters());
}
