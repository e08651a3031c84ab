/**
 * mulberry32: a small, fast, seeded 32-bit PRNG (period 2^32) returning numbers in [0, 1).
 * Used wherever personahub needs reproducible randomness: MinHash permutation constants, hyperplanes, the
 * simulator's latency and fault draws, evaluation-set generation. Not for anything security-related.
 * The sequence for a given seed is part of stored fingerprints (MinHash constants): never change it.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
