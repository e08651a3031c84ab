import { wordSet } from '../normalize.js';
import type { EvalItem } from './personas.js';

/**
 * Ground truth: every pair (i < j) whose exact word-set Jaccard is >= threshold. All pairs are compared
 * (quadratic; the sets have a few thousand items), with a size filter: |A|/|B| < t implies J < t.
 */
export function truePairs(items: readonly EvalItem[], threshold: number): Set<string> {
  const sets = items.map((it) => wordSet(it.text));
  const out = new Set<string>();
  for (let i = 0; i < sets.length; i++) {
    const a = sets[i]!;
    for (let j = i + 1; j < sets.length; j++) {
      const b = sets[j]!;
      const [small, big] = a.size <= b.size ? [a, b] : [b, a];
      if (small.size < threshold * big.size) continue;
      let inter = 0;
      for (const w of small) if (big.has(w)) inter++;
      if (inter / (a.size + b.size - inter) >= threshold) out.add(pairKey(i, j));
    }
  }
  return out;
}

export const pairKey = (i: number, j: number): string => (i < j ? `${i},${j}` : `${j},${i}`);

export interface Score {
  truePairs: number;
  predicted: number;
  tp: number;
  precision: number;
  recall: number;
}

export function score(truth: Set<string>, predicted: Set<string>): Score {
  let tp = 0;
  for (const p of predicted) if (truth.has(p)) tp++;
  return {
    truePairs: truth.size,
    predicted: predicted.size,
    tp,
    precision: predicted.size === 0 ? 1 : tp / predicted.size,
    recall: truth.size === 0 ? 1 : tp / truth.size,
  };
}
