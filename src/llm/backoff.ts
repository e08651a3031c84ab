import { performance } from 'node:perf_hooks';

/**
 * Retry delay: exponential with "equal jitter" (half fixed, half random), so retries spread out without ever
 * collapsing to an immediate retry; never shorter than what the endpoint asked for (Retry-After).
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, askedMs: number | undefined, rand: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = cap / 2 + rand() * (cap / 2);
  return Math.max(jittered, askedMs ?? 0);
}

/**
 * Sleep at least `ms` by the monotonic clock (Node timers may fire a little early relative to the moment they
 * were set, which would cut a Retry-After short); ends early, rejecting with the signal's reason, on abort.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const end = performance.now() + ms;
  return new Promise((resolve, reject) => {
    let t: NodeJS.Timeout;
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const tick = () => {
      const left = end - performance.now();
      if (left <= 0) {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      } else t = setTimeout(tick, Math.ceil(left));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    tick();
  });
}
