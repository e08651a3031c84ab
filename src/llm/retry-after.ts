/**
 * How long an endpoint asked us to wait, from response headers: `retry-after-ms` (milliseconds, OpenAI's
 * precise form) wins over `retry-after`, which is either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns undefined when there is no usable value; never negative.
 */
export interface HeaderSource {
  get(name: string): string | null;
}

export function retryAfterMs(headers: HeaderSource | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return undefined;
  const trimmed = ra.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
