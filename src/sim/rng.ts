import { mulberry32 } from '../util/prng.js';
/**
 * Small deterministic helpers for the simulator: a 32-bit string hash and a seeded PRNG. Everything the simulator
 * decides (content, latency, faults) comes from these, so the same seed and inputs give the same behaviour.
 */

/** FNV-1a over UTF-16 code units, finished with a murmur3 mix so nearby strings spread over all 32 bits. */
export function hash32(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seeded PRNG for latency and fault draws (mulberry32, period 2^32, plenty here). Returns [0, 1). */
export const seededRandom = mulberry32;

/** A standard normal draw from two uniform draws (Box–Muller). */
export function normal(rand: () => number): number {
  const u = Math.max(rand(), Number.EPSILON);
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
