import { exactKey } from '../normalize.js';
import { MinHasher, jaccardSorted } from '../minhash.js';
import { bandKeys } from '../minhash-lsh.js';
import type { Banding } from '../lsh-params.js';
import { hamming, simhash64 } from '../simhash.js';
import { BlockLayout } from '../simhash-index.js';
import { hex8, type StepKind } from './route-record.js';

/**
 * A routing scheme: the step keys of an item (exact key first, then one key per LSH band / SimHash table) and
 * the near-duplicate test on stored payloads. The guarantee the stream relies on: two items that the offline
 * index would call near-duplicates share at least one non-exact step key (a band, or a permuted-block table).
 */
export interface Scheme {
  readonly kind: Exclude<StepKind, 'exact'>;
  route(text: string): { keys: string[]; payload: number[] };
  nearDuplicate(stored: ArrayLike<number>, incoming: readonly number[]): boolean;
}

export function minhashScheme(o: { threshold: number; numPerm: number; banding: Banding; seed?: number }): Scheme {
  const hasher = new MinHasher(o.numPerm, o.seed ?? 1);
  return {
    kind: 'minhash',
    route(text) {
      const h = hasher.hash(text);
      const keys = [`x:${exactKey(text)}`, ...Array.from(bandKeys(h.signature, o.banding), (k, b) => `b${b}:${hex8(k)}`)];
      return { keys, payload: Array.from(h.tokens) };
    },
    nearDuplicate: (stored, incoming) => jaccardSorted(stored, incoming) >= o.threshold,
  };
}

export function simhashScheme(o: { k: number; blocks?: number; shingleWords: number }): Scheme {
  const layout = new BlockLayout(o.k, o.blocks ?? o.k + 1);
  return {
    kind: 'simhash',
    route(text) {
      const f = simhash64(text, o.shingleWords);
      const keys = [`x:${exactKey(text)}`, ...Array.from(layout.keys(f), (k, t) => `t${t}:${hex8(k)}`)];
      return { keys, payload: [f.hi, f.lo] };
    },
    nearDuplicate: (s, i) => hamming({ hi: s[0]!, lo: s[1]! }, { hi: i[0]!, lo: i[1]! }) <= o.k,
  };
}
