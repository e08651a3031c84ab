import { hash32 } from './rng.js';
import { words } from './text.js';

/**
 * Deterministic embeddings: a hashed bag of words (feature hashing with a sign bit), L2-normalised. Texts that
 * share most of their words get a cosine close to 1, unrelated texts close to 0. Not semantic, but stable and
 * good enough to exercise a semantic-dedup path end to end.
 */
export function embedText(text: string, dims: number, seed = 0): number[] {
  const v = new Array<number>(dims).fill(0);
  const ws = words(text);
  for (const w of ws) {
    const h = hash32(w, seed);
    v[h % dims]! += (h & 0x80000000) !== 0 ? -1 : 1;
  }
  let norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  if (norm === 0) {
    v[0] = 1;
    norm = 1;
  }
  return v.map((x) => x / norm);
}

/** The base64 form OpenAI clients ask for by default: little-endian float32. */
export function toBase64(v: number[]): string {
  const f = new Float32Array(v);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}
