import { describe, expect, it } from 'vitest';
import { MinHasher, jaccardSorted, signatureSimilarity, wordJaccard } from '../../src/dedup/minhash.js';
import { MinHashLsh, bandKeys } from '../../src/dedup/minhash-lsh.js';
import { candidateProbability, optimalBanding } from '../../src/dedup/lsh-params.js';
import { fmix32, murmur32 } from '../../src/dedup/hash32.js';

const BASE = 'A pediatric nurse who specializes in caring for premature infants and volunteers at a free clinic';

describe('hash32', () => {
  it('is deterministic, unsigned and seed-dependent', () => {
    expect(murmur32('nurse', 1)).toBe(murmur32('nurse', 1));
    expect(murmur32('nurse', 1)).not.toBe(murmur32('nurse', 2));
    expect(murmur32('', 0)).toBe(0);
    expect(murmur32('abc', 7)).toBeGreaterThanOrEqual(0);
    expect(fmix32(1)).toBeLessThan(2 ** 32);
  });
});

describe('MinHash', () => {
  const h = new MinHasher(128, 1);
  it.each([
    [BASE, BASE.toUpperCase() + '!', 1],
    [BASE, BASE + ' dedicated', 17 / 18],
    [BASE, BASE.replace('pediatric', 'geriatric'), 16 / 18],
    [BASE, 'An airline pilot who flies long-haul routes across the Pacific', 0.04],
  ])('estimate tracks exact Jaccard (%#)', (a, b, expectedApprox) => {
    const x = h.hash(a);
    const y = h.hash(b);
    const exact = jaccardSorted(x.tokens, y.tokens);
    expect(exact).toBeCloseTo(wordJaccard(a, b), 6);
    expect(Math.abs(exact - expectedApprox)).toBeLessThan(0.05);
    // 128 permutations: standard error <= 0.045; 4 sd bound keeps the test deterministic and meaningful
    expect(Math.abs(signatureSimilarity(x.signature, y.signature) - exact)).toBeLessThan(0.18);
  });

  it('mean estimate over many pairs is unbiased', () => {
    let err = 0;
    const n = 200;
    for (let i = 0; i < n; i++) {
      const a = `${BASE} item${i} extra${i % 7}`;
      const b = `${BASE} item${i} other${i % 5} more${i}`;
      const x = h.hash(a);
      const y = h.hash(b);
      err += signatureSimilarity(x.signature, y.signature) - jaccardSorted(x.tokens, y.tokens);
    }
    expect(Math.abs(err / n)).toBeLessThan(0.01);
  });
});

describe('LSH banding', () => {
  it('equal-weight optimum for t=0.9, 128 perms matches the datasketch method (5 x 25)', () => {
    expect(optimalBanding(0.9, 128)).toEqual({ bands: 5, rows: 25 });
  });
  it('16 x 8 finds pairs at the threshold with probability > 0.9998', () => {
    expect(candidateProbability(0.9, { bands: 16, rows: 8 })).toBeGreaterThan(0.9998);
    expect(candidateProbability(0.9, { bands: 5, rows: 25 })).toBeLessThan(0.35);
  });
});

describe('MinHashLsh', () => {
  it.each([
    ['exact', BASE + ' dedicated', true],
    ['exact', BASE.replace('pediatric', 'geriatric'), false],
    ['exact', 'An airline pilot who flies long-haul routes across the Pacific', false],
    ['signature', BASE.toLowerCase(), true],
    ['none', BASE + ' dedicated', true],
  ] as const)('verify=%s: %j duplicate=%s', (verify, other, dup) => {
    const lsh = new MinHashLsh({ verify }, true);
    expect(lsh.offer(lsh.hash(BASE), 'base')).toBeUndefined();
    expect(lsh.offer(lsh.hash(other), 'other')).toBe(dup ? 'base' : undefined);
  });

  it('band keys are a pure function of the signature', () => {
    const lsh = new MinHashLsh();
    const a = bandKeys(lsh.hash(BASE).signature, { bands: 16, rows: 8 });
    const b = bandKeys(lsh.hash(BASE.toLowerCase()).signature, { bands: 16, rows: 8 });
    expect([...a]).toEqual([...b]);
    expect(new Set(a).size).toBe(16);
  });

  it('rejects banding wider than the signature', () => {
    expect(() => new MinHashLsh({ banding: { bands: 20, rows: 8 } })).toThrow(RangeError);
  });
});
