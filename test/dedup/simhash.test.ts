import { describe, expect, it } from 'vitest';
import { fromHex, hamming, popcount32, simhash64, toHex, type Fingerprint } from '../../src/dedup/simhash.js';
import { BlockLayout, SimHashIndex } from '../../src/dedup/simhash-index.js';
import { mulberry32 } from '../../src/dedup/hash32.js';

const flip = (f: Fingerprint, bits: number[]): Fingerprint => {
  let { hi, lo } = f;
  for (const b of bits) if (b < 32) lo = (lo ^ (1 << b)) >>> 0;
  else hi = (hi ^ (1 << (b - 32))) >>> 0;
  return { hi, lo };
};

describe('SimHash', () => {
  it.each([
    [0, 0],
    [1, 1],
    [0xffffffff, 32],
    [0x80000001, 2],
  ])('popcount32(%i) = %i', (x, n) => expect(popcount32(x)).toBe(n));

  it('round-trips hex and is stable under case/punctuation', () => {
    const f = simhash64('The quick brown fox jumps over the lazy dog again and again');
    expect(fromHex(toHex(f))).toEqual(f);
    expect(simhash64('THE QUICK brown fox, jumps over the lazy dog again and again!')).toEqual(f);
  });

  it('a small edit of a long text moves few bits; unrelated texts ~32', () => {
    const rnd = mulberry32(3);
    const words = Array.from({ length: 600 }, () => 'w' + Math.floor(rnd() * 5000));
    const a = words.join(' ');
    const b = [...words.slice(0, 300), 'inserted', ...words.slice(300)].join(' ');
    const c = Array.from({ length: 600 }, () => 'w' + Math.floor(rnd() * 5000)).join(' ');
    expect(hamming(simhash64(a), simhash64(b))).toBeLessThanOrEqual(3);
    expect(hamming(simhash64(a), simhash64(c))).toBeGreaterThan(16);
  });
});

describe('permuted-block tables', () => {
  it.each([
    [3, 4, 4],
    [3, 5, 10],
    [2, 4, 6],
    [1, 2, 2],
    [4, 6, 15],
  ])('k=%i blocks=%i -> %i tables, blocks cover 64 bits', (k, blocks, tables) => {
    const l = new BlockLayout(k, blocks);
    expect(l.tables.length).toBe(tables);
    expect(l.blockBits.reduce((s, [, len]) => s + len, 0)).toBe(64);
  });

  it.each([
    [3, 4],
    [3, 5],
    [2, 3],
  ])('k=%i blocks=%i: every pair within k shares a table key; index finds it without a scan', (k, blocks) => {
    const rnd = mulberry32(11);
    const layout = new BlockLayout(k, blocks);
    for (let trial = 0; trial < 300; trial++) {
      const f = { hi: Math.floor(rnd() * 2 ** 32) >>> 0, lo: Math.floor(rnd() * 2 ** 32) >>> 0 };
      const nbits = Math.floor(rnd() * (k + 1));
      const bits = new Set<number>();
      while (bits.size < nbits) bits.add(Math.floor(rnd() * 64));
      const g = flip(f, [...bits]);
      expect(hamming(f, g)).toBe(nbits);
      const kf = layout.keys(f);
      const kg = layout.keys(g);
      expect(kf.some((x, i) => x === kg[i])).toBe(true);
      const idx = new SimHashIndex(k, blocks, true);
      idx.insert(f, 'f');
      expect(idx.query(g)).toBe('f');
      expect(idx.query(flip(f, [0, 9, 20, 33, 47, 60].slice(0, k + 1)))).toBeUndefined();
    }
  });
});
