import { murmur32, mulberry32, SEED_HI, SEED_LO } from './hash32.js';
import { words } from './normalize.js';

/**
 * MinHash over word 1-grams (the Persona Hub paper's setting) with a BigInt-free hash family.
 *
 * Each distinct word gets a 64-bit key as two 32-bit MurmurHash3 halves (lo, hi). Permutation i maps a key to
 *     fmix32((lo ^ a_i) + imul(hi ^ b_i, 0x9e3779b1))
 * with seeded random 32-bit constants a_i, b_i: an avalanche mix of all 64 key bits, different per permutation.
 * The signature keeps each permutation's minimum as a u32. Two different words collide in one slot with
 * probability ~2^-32, negligible next to the estimator's own spread (sd ~ sqrt(J(1-J)/128) ~ 0.027 at J = 0.9).
 *
 * The token hashes (lo halves, sorted, distinct) are returned too: they are what exact-Jaccard verification
 * stores (4 bytes a word: a 13-word persona costs ~52 bytes, far less than its 512-byte signature).
 */
export interface MinHashed {
  /** Sorted distinct 32-bit word hashes. */
  tokens: Uint32Array;
  /** numPerm minimum values. */
  signature: Uint32Array;
}

export class MinHasher {
  readonly numPerm: number;
  private readonly a: Uint32Array;
  private readonly b: Uint32Array;

  constructor(numPerm = 128, seed = 1) {
    this.numPerm = numPerm;
    const rnd = mulberry32(seed);
    this.a = new Uint32Array(numPerm);
    this.b = new Uint32Array(numPerm);
    for (let i = 0; i < numPerm; i++) {
      this.a[i] = Math.floor(rnd() * 4294967296);
      this.b[i] = Math.floor(rnd() * 4294967296) | 1;
    }
  }

  /** Hash a text: normalise, split into words, dedupe, sign. Empty text gives an all-0xffffffff signature. */
  hash(text: string): MinHashed {
    return this.hashWords(words(text));
  }

  hashWords(ws: readonly string[]): MinHashed {
    const distinct = [...new Set(ws)];
    const n = distinct.length;
    const lo = new Uint32Array(n);
    const hi = new Uint32Array(n);
    for (let j = 0; j < n; j++) {
      lo[j] = murmur32(distinct[j]!, SEED_LO);
      hi[j] = murmur32(distinct[j]!, SEED_HI);
    }
    const sig = new Uint32Array(this.numPerm).fill(0xffffffff);
    const { a, b, numPerm } = this;
    // token-outer loop with fmix32 inlined: measured ~1.5x faster than perm-outer with a call per value
    for (let j = 0; j < n; j++) {
      const l = lo[j]!;
      const h = hi[j]!;
      for (let i = 0; i < numPerm; i++) {
        let x = ((l ^ a[i]!) + Math.imul(h ^ b[i]!, 0x9e3779b1)) | 0;
        x ^= x >>> 16;
        x = Math.imul(x, 0x85ebca6b);
        x ^= x >>> 13;
        x = Math.imul(x, 0xc2b2ae35);
        x ^= x >>> 16;
        const v = x >>> 0;
        if (v < sig[i]!) sig[i] = v;
      }
    }
    const tokens = Uint32Array.from(new Set(lo)).sort();
    return { tokens, signature: sig };
  }
}

/** Exact Jaccard of two sorted distinct u32 arrays (merge walk). Two empty sets count as identical. */
export function jaccardSorted(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const nx = x.length;
  const ny = y.length;
  if (nx === 0 && ny === 0) return 1;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < nx && j < ny) {
    const a = x[i]!;
    const b = y[j]!;
    if (a === b) {
      inter++;
      i++;
      j++;
    } else if (a < b) i++;
    else j++;
  }
  return inter / (nx + ny - inter);
}

/** MinHash estimate of Jaccard: the share of equal slots. */
export function signatureSimilarity(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let eq = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === y[i]) eq++;
  return eq / x.length;
}

/** Exact word-Jaccard of two texts: the ground truth of the evaluation sets. */
export function wordJaccard(a: string, b: string): number {
  const sa = new Set(words(a));
  const sb = new Set(words(b));
  if (sa.size === 0 && sb.size === 0) return 1;
  let inter = 0;
  for (const w of sa) if (sb.has(w)) inter++;
  return inter / (sa.size + sb.size - inter);
}
