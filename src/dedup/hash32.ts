/**
 * 32-bit hashing without BigInt: MurmurHash3 x86_32 over a string's UTF-16 code units (two code units per
 * 32-bit block), plus its finaliser. Two seeds give two independent 32-bit halves where 64 bits are needed
 * (SimHash features, MinHash token keys). Hashing code units instead of UTF-8 bytes skips an encoding pass; the
 * values are therefore not the reference MurmurHash3 of the UTF-8 bytes, only a stable function of the string.
 *
 * Invariant: results are unsigned 32-bit integers (>>> 0) and never depend on platform or process.
 */
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function murmur32(s: string, seed: number): number {
  let h = seed | 0;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = (s.charCodeAt(i) & 0xffff) | ((s.charCodeAt(i + 1) & 0xffff) << 16);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = s.charCodeAt(i) & 0xffff;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= n * 2; // length in bytes, as MurmurHash3 does
  return fmix32(h);
}

/** Seeds of the two halves of a 64-bit hash. Fixed: changing them changes every stored fingerprint. */
export const SEED_HI = 0x9747b28c;
export const SEED_LO = 0x5bd1e995;

/** Deterministic 32-bit PRNG for permutation constants and hyperplanes (shared with the simulator). */
export { mulberry32 } from '../util/prng.js';

/** Combine a run of 32-bit values into one 32-bit key (order-sensitive). */
export function hashU32s(values: ArrayLike<number>, start: number, end: number, seed: number): number {
  let h = seed | 0;
  for (let i = start; i < end; i++) {
    let k = values[i]! | 0;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= (end - start) * 4;
  return fmix32(h);
}
