import { exactKey } from '../normalize.js';
import { MinHasher, jaccardSorted } from '../minhash.js';
import { bandKeys } from '../minhash-lsh.js';
import type { Banding } from '../lsh-params.js';
import { hashU32s } from '../hash32.js';
import { hamming, simhash64 } from '../simhash.js';
import { BlockLayout } from '../simhash-index.js';

/**
 * A routing scheme: the table keys of an item (one u32 per LSH band / SimHash table, or the exact key alone) and
 * the near-duplicate test on stored payloads. The guarantee the stream relies on: two items that the offline
 * index would call duplicates share at least one key (exact copies share every key: same text, same keys), and
 * `nearDuplicate` of their payloads is true.
 *
 * Keys of different bands/tables are different hash functions (seeded by band/table), so one u32 table per
 * partition holds them all; a 32-bit collision only adds a candidate, which verification removes.
 */
export interface Scheme {
  readonly kind: 'exact' | 'minhash' | 'simhash';
  route(text: string): { keys: number[]; payload: number[] };
  nearDuplicate(stored: ArrayLike<number>, incoming: ArrayLike<number>): boolean;
}

/** First 32 bits of the exact key (the `xh` of a route record: tells an exact copy from a near one). */
export function exactHash(text: string): number {
  return parseInt(exactKey(text).slice(0, 8), 16) >>> 0;
}

/** The 128-bit exact key as four u32. */
export function exactWords(text: string): number[] {
  const hex = exactKey(text).padEnd(32, '0');
  return [0, 8, 16, 24].map((i) => parseInt(hex.slice(i, i + 8), 16) >>> 0);
}

export function minhashScheme(o: { threshold: number; numPerm: number; banding: Banding; seed?: number }): Scheme {
  const hasher = new MinHasher(o.numPerm, o.seed ?? 1);
  return {
    kind: 'minhash',
    route(text) {
      const h = hasher.hash(text);
      return { keys: Array.from(bandKeys(h.signature, o.banding)), payload: Array.from(h.tokens) };
    },
    nearDuplicate: (stored, incoming) => jaccardSorted(stored, incoming) >= o.threshold,
  };
}

export function simhashScheme(o: { k: number; blocks?: number; shingleWords: number }): Scheme {
  const layout = new BlockLayout(o.k, o.blocks ?? o.k + 1);
  const one = new Uint32Array(1);
  return {
    kind: 'simhash',
    route(text) {
      const f = simhash64(text, o.shingleWords);
      // block keys are raw bits: hash each with its table's seed so tables do not share keys
      const keys = Array.from(layout.keys(f), (k, t) => ((one[0] = k), hashU32s(one, 0, 1, 0x2100 + t)));
      return { keys, payload: [f.hi >>> 0, f.lo >>> 0] };
    },
    nearDuplicate: (s, i) => hamming({ hi: s[0]! | 0, lo: s[1]! | 0 }, { hi: i[0]! | 0, lo: i[1]! | 0 }) <= o.k,
  };
}

/** Exact-only filtering (a method `exact`): one key per item, the payload is the 128-bit exact key itself. */
export function exactScheme(): Scheme {
  return {
    kind: 'exact',
    route(text) {
      const w = exactWords(text);
      return { keys: [hashU32s(w, 0, 4, 0x2200)], payload: w };
    },
    nearDuplicate: (s, i) => s.length === i.length && s.length === 4 && s[0] === i[0] && s[1] === i[1] && s[2] === i[2] && s[3] === i[3],
  };
}
