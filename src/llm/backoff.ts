/**
 * Retry delay: exponential with "equal jitter" (half fixed, half random), so retries spread out without ever
 * collapsing to an immediate retry; never shorter than what the endpoint asked for (Retry-After).
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, askedMs: number | undefined, rand: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = cap / 2 + rand() * (cap / 2);
  return Math.max(jittered, askedMs ?? 0);
}

/** Sleep that ends early, rejecting with the signal's reason, when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
