import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../src/llm/retry-after.js';

const h = (o: Record<string, string>) => new Headers(o);
const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('retryAfterMs', () => {
  it.each([
    ['retry-after-ms wins over retry-after', { 'retry-after-ms': '250', 'retry-after': '3' }, 250],
    ['delta-seconds', { 'retry-after': '3' }, 3000],
    ['fractional seconds', { 'retry-after': '1.5' }, 1500],
    ['HTTP date', { 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }, 7000],
    ['HTTP date in the past is zero', { 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, 0],
    ['garbage retry-after-ms falls back to retry-after', { 'retry-after-ms': 'soon', 'retry-after': '2' }, 2000],
    ['garbage', { 'retry-after': 'later please' }, undefined],
    ['absent', {}, undefined],
  ])('%s', (_name, headers, want) => {
    expect(retryAfterMs(h(headers), NOW)).toBe(want);
  });
});
