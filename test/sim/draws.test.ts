import { describe, expect, it } from 'vitest';
import { FaultOptions, LatencyOptions } from '../../src/sim/options.js';
import { seededRandom } from '../../src/sim/rng.js';
import { drawLatency, drawOutcome } from '../../src/sim/server.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('simulator draws', () => {
  it('latency: fixed, uniform within bounds, lognormal around its median', () => {
    const rand = seededRandom(9);
    expect(drawLatency(LatencyOptions.parse({ dist: 'fixed', ms: 70 }), rand)).toBe(70);
    const u = Array.from({ length: 2000 }, () => drawLatency(LatencyOptions.parse({ dist: 'uniform', minMs: 10, maxMs: 30 }), rand));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...u)).toBeLessThan(30);
    const l = Array.from({ length: 4000 }, () => drawLatency(LatencyOptions.parse({ dist: 'lognormal', ms: 200, sigma: 0.5 }), rand));
    expect(median(l)).toBeGreaterThan(185);
    expect(median(l)).toBeLessThan(215);
    expect(Math.max(...l)).toBeGreaterThan(400); // a real tail
  });

  it('faults: drawn at their configured rates, the same sequence for the same seed', () => {
    const f = FaultOptions.parse({ rateLimited: 0.2, serverError: 0.1, timeout: 0.05, malformed: 0.05 });
    const draw = (seed: number) => {
      const r = seededRandom(seed);
      return Array.from({ length: 20_000 }, () => drawOutcome(f, r).kind);
    };
    const a = draw(1);
    expect(draw(1)).toEqual(a);
    const share = (k: string) => a.filter((x) => x === k).length / a.length;
    expect(share('rate_limited')).toBeCloseTo(0.2, 1);
    expect(share('server_error')).toBeCloseTo(0.1, 1);
    expect(share('timeout')).toBeCloseTo(0.05, 1);
    expect(share('malformed')).toBeCloseTo(0.05, 1);
    expect(share('ok')).toBeCloseTo(0.6, 1);
  });

  it('refuses fault rates that add up to more than 1', () => {
    expect(FaultOptions.safeParse({ rateLimited: 0.7, serverError: 0.5 }).success).toBe(false);
  });
});
