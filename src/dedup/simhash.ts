import { murmur32, SEED_HI, SEED_LO } from './hash32.js';
import { words } from './normalize.js';

/**
 * 64-bit SimHash (Charikar 2002) over word shingles, as Manku, Jain & Das Sarma (WWW 2007) use for web pages.
 *
 * Features are the w-word shingles of the normalised text (w = 2 by default), each weighted by its count.
 * Each feature gets a 64-bit hash as two independent 32-bit MurmurHash3 halves; bit j of the fingerprint is 1
 * when the weighted sum of +1 (feature bit j set) / -1 (not set) is positive. Texts shorter than w words use
 * the whole text as one feature.
 *
 * Fingerprints are two u32 halves { hi, lo } (no BigInt on the hot path); `toHex` gives a 16-digit form.
 */
export interface Fingerprint {
  hi: number;
  lo: number;
}

export function shingles(ws: readonly string[], w: number): string[] {
  if (ws.length === 0) return [];
  if (ws.length <= w) return [ws.join(' ')];
  const out: string[] = [];
  for (let i = 0; i + w <= ws.length; i++) {
    let sh = ws[i]!;
    for (let j = 1; j < w; j++) sh += ' ' + ws[i + j]!;
    out.push(sh);
  }
  return out;
}

export function simhash64(text: string, shingleWords = 2): Fingerprint {
  return simhashFeatures(shingles(words(text), shingleWords));
}

export function simhashFeatures(features: readonly string[]): Fingerprint {
  const acc = new Int32Array(64);
  for (const f of features) {
    const lo = murmur32(f, SEED_LO);
    const hi = murmur32(f, SEED_HI);
    // branch-free: +1 for a set bit, -1 for a clear one
    for (let j = 0; j < 32; j++) {
      acc[j]! += (((lo >>> j) & 1) << 1) - 1;
      acc[j + 32]! += (((hi >>> j) & 1) << 1) - 1;
    }
  }
  let lo = 0;
  let hi = 0;
  for (let j = 0; j < 32; j++) {
    if (acc[j]! > 0) lo |= 1 << j;
    if (acc[j + 32]! > 0) hi |= 1 << j;
  }
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function hamming(a: Fingerprint, b: Fingerprint): number {
  return popcount32((a.hi ^ b.hi) >>> 0) + popcount32((a.lo ^ b.lo) >>> 0);
}

export function toHex(f: Fingerprint): string {
  return f.hi.toString(16).padStart(8, '0') + f.lo.toString(16).padStart(8, '0');
}

export function fromHex(s: string): Fingerprint {
  return { hi: parseInt(s.slice(0, 8), 16) >>> 0, lo: parseInt(s.slice(8, 16), 16) >>> 0 };
}
