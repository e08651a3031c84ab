import { ExactFilter } from './exact.js';
import { exactKey } from './normalize.js';
import { MinHashLsh, type Verify } from './minhash-lsh.js';
import type { Banding } from './lsh-params.js';
import { simhash64 } from './simhash.js';
import { SimHashIndex } from './simhash-index.js';

/**
 * One facade over the synchronous filters for offline use (CLI, evaluation, benchmark). Every method checks the
 * exact key first (cheap, and it labels the drop `exact`), then its near-duplicate index. First come, first kept:
 * an item is dropped when it is a near-duplicate of an item kept earlier (greedy, order-dependent, like
 * datasketch's MinHashLSH query-then-insert loop).
 */
export type SyncMethod = 'exact' | 'minhash' | 'simhash';
export type DupKind = 'exact' | 'minhash' | 'simhash' | 'semantic';

export interface Verdict {
  duplicate: boolean;
  kind?: DupKind;
  /** Id of the kept item this one duplicates. */
  of?: string;
}

export interface FilterOptions {
  threshold: number;
  k: number;
  blocks?: number;
  shingleWords: number;
  verify: Verify;
  banding: Banding;
  numPerm: number;
}

export const DEFAULT_FILTER_OPTIONS: FilterOptions = {
  threshold: 0.9,
  k: 3,
  shingleWords: 2,
  verify: 'exact',
  banding: { bands: 16, rows: 8 },
  numPerm: 128,
};

export interface TextFilter {
  offer(text: string, id: string): Verdict;
  readonly size: number;
}

export function createTextFilter(method: SyncMethod, options: Partial<FilterOptions> = {}): TextFilter {
  const o = { ...DEFAULT_FILTER_OPTIONS, ...options };
  const exact = new ExactFilter();
  const near =
    method === 'minhash'
      ? (() => {
          const lsh = new MinHashLsh({ threshold: o.threshold, numPerm: o.numPerm, banding: o.banding, verify: o.verify }, true);
          return (text: string, id: string) => lsh.offer(lsh.hash(text), id);
        })()
      : method === 'simhash'
        ? (() => {
            const idx = new SimHashIndex(o.k, o.blocks ?? o.k + 1, true);
            return (text: string, id: string) => idx.offer(simhash64(text, o.shingleWords), id);
          })()
        : undefined;
  return {
    get size() {
      return exact.size;
    },
    offer(text, id) {
      const key = exactKey(text);
      const same = exact.get(key);
      if (same !== undefined) return { duplicate: true, kind: 'exact', of: same };
      const of = near?.(text, id);
      if (of !== undefined) return { duplicate: true, kind: method as DupKind, of };
      exact.add(key, id); // only kept items are remembered, so `of` always names a kept item
      return { duplicate: false };
    },
  };
}
