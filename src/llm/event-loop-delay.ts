import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * This process's current event-loop delay in ms: how late the loop gets to a ready callback, e.g. a reply already
 * in the socket buffer. Adaptive concurrency subtracts it from measured latencies (src/llm/adaptive.ts).
 *
 * One histogram per process, sampled every RESOLUTION_MS by libuv (unref'd: it keeps no process alive). The value is
 * the median delay over the last ≥ PERIOD_MS, minus the sampling interval the histogram includes (the median, not
 * the mean: one GC pause or long task must not make every reply of the period look fast, or a real queue at a
 * one-slot server would be discounted with it); it is refreshed at most once per period, so a call costs a clock read.
 */
const RESOLUTION_MS = 10;
const PERIOD_MS = 250;

let histogram: IntervalHistogram | undefined;
let since = 0;
let value = 0;

export function eventLoopDelayMs(): number {
  const now = performance.now();
  if (!histogram) {
    histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    since = now;
    return 0;
  }
  if (now - since >= PERIOD_MS) {
    if (histogram.count > 0) value = Math.max(0, histogram.percentile(50) / 1e6 - RESOLUTION_MS);
    histogram.reset();
    since = now;
  }
  return value;
}
