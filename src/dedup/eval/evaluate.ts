import { createRequire } from 'node:module';
import { exactKey } from '../normalize.js';
import { MinHasher, jaccardSorted, signatureSimilarity } from '../minhash.js';
import { bandKeys, type Verify } from '../minhash-lsh.js';
import type { Banding } from '../lsh-params.js';
import { hamming, popcount32, simhash64, type Fingerprint } from '../simhash.js';
import { BlockLayout } from '../simhash-index.js';
import { pairKey, score, truePairs, type Score } from './labels.js';
import type { EvalItem } from './personas.js';

/**
 * Pair-level precision/recall of each filter against word-Jaccard ground truth. Predicted pairs come from the
 * filters' own index keys (LSH band keys, permuted-block table keys), so what is measured is what the index
 * finds, not a brute-force comparison; simhash-js has no index and is compared over all pairs.
 */
export interface Row {
  method: string;
  setting: string;
  score: Score;
}

/** Pairs of items sharing a key in any of the key columns. */
function bucketPairs(keys: Uint32Array[], accept: (i: number, j: number) => boolean): Set<string> {
  const out = new Set<string>();
  const cols = keys[0]?.length ?? 0;
  for (let c = 0; c < cols; c++) {
    const buckets = new Map<number, number[]>();
    keys.forEach((k, i) => {
      const b = buckets.get(k[c]!);
      if (b) b.push(i);
      else buckets.set(k[c]!, [i]);
    });
    for (const members of buckets.values()) {
      for (let x = 0; x < members.length; x++)
        for (let y = x + 1; y < members.length; y++) {
          const key = pairKey(members[x]!, members[y]!);
          if (!out.has(key) && accept(members[x]!, members[y]!)) out.add(key);
        }
    }
  }
  return out;
}

export function minhashPairs(items: readonly EvalItem[], t: number, banding: Banding, verify: Verify): Set<string> {
  const hasher = new MinHasher(128, 1);
  const hs = items.map((it) => hasher.hash(it.text));
  const keys = hs.map((h) => bandKeys(h.signature, banding));
  return bucketPairs(keys, (i, j) =>
    verify === 'none'
      ? true
      : verify === 'exact'
        ? jaccardSorted(hs[i]!.tokens, hs[j]!.tokens) >= t
        : signatureSimilarity(hs[i]!.signature, hs[j]!.signature) >= t,
  );
}

export function simhashPairs(items: readonly EvalItem[], k: number, shingleWords: number, blocks = k + 1): Set<string> {
  const fps: Fingerprint[] = items.map((it) => simhash64(it.text, shingleWords));
  const layout = new BlockLayout(k, blocks);
  return bucketPairs(fps.map((f) => layout.keys(f)), (i, j) => hamming(fps[i]!, fps[j]!) <= k);
}

export function exactPairs(items: readonly EvalItem[]): Set<string> {
  const keys = items.map((it) => exactKey(it.text));
  const out = new Set<string>();
  const first = new Map<string, number[]>();
  keys.forEach((k, i) => first.set(k, [...(first.get(k) ?? []), i]));
  for (const m of first.values()) for (let x = 0; x < m.length; x++) for (let y = x + 1; y < m.length; y++) out.add(pairKey(m[x]!, m[y]!));
  return out;
}

/** simhash-js 1.0.0 as shipped (32-bit, kshingles-character chunks), with a correct popcount comparator. */
export function simhashJsPairs(items: readonly EvalItem[], k: number, kshingles: number): Set<string> {
  const require = createRequire(import.meta.url);
  const { SimHash } = require('simhash-js') as { SimHash: new (o: object) => { hash(s: string): number | undefined } };
  const sh = new SimHash({ kshingles });
  const hs = items.map((it) => (sh.hash(it.text) ?? 0) >>> 0);
  const out = new Set<string>();
  for (let i = 0; i < hs.length; i++) for (let j = i + 1; j < hs.length; j++) if (popcount32((hs[i]! ^ hs[j]!) >>> 0) <= k) out.add(pairKey(i, j));
  return out;
}

const f1 = (s: Score) => (s.precision + s.recall === 0 ? 0 : (2 * s.precision * s.recall) / (s.precision + s.recall));

export interface EvalOptions {
  threshold: number;
  shingleWords: number;
  /** Run simhash-js over all pairs (quadratic; slow on long documents). */
  simhashJs: boolean;
}

export function evaluateSet(items: readonly EvalItem[], o: EvalOptions): Row[] {
  const truth = truePairs(items, o.threshold);
  const rows: Row[] = [];
  const add = (method: string, setting: string, pred: Set<string>) => rows.push({ method, setting, score: score(truth, pred) });
  add('exact (normalised text)', '-', exactPairs(items));
  const b168 = { bands: 16, rows: 8 };
  add('MinHash-LSH + exact Jaccard (default)', '128 perms, 16x8', minhashPairs(items, o.threshold, b168, 'exact'));
  add('MinHash-LSH + signature estimate', '128 perms, 16x8', minhashPairs(items, o.threshold, b168, 'signature'));
  add('MinHash-LSH, no verification', '128 perms, 16x8', minhashPairs(items, o.threshold, b168, 'none'));
  add('MinHash-LSH + exact Jaccard', '128 perms, 5x25 (equal-weight optimum)', minhashPairs(items, o.threshold, { bands: 5, rows: 25 }, 'exact'));
  for (let k = 1; k <= 4; k++) add('SimHash 64-bit', `k=${k}, ${o.shingleWords}-word shingles`, simhashPairs(items, k, o.shingleWords));
  if (o.simhashJs) {
    let best: Row | undefined;
    for (const ks of [2, 4, 8]) {
      for (let k = 0; k <= 6; k++) {
        const r = { method: 'simhash-js 1.0.0 (best F1)', setting: `kshingles=${ks}, k=${k}`, score: score(truth, simhashJsPairs(items, k, ks)) };
        if (!best || f1(r.score) > f1(best.score)) best = r;
      }
    }
    rows.push(best!);
  }
  return rows;
}

export function markdownTable(title: string, rows: Row[]): string {
  const fmt = (x: number) => x.toFixed(3);
  const head = `| ${title} | setting | precision | recall | true pairs | predicted |\n|---|---|---:|---:|---:|---:|`;
  return [head, ...rows.map((r) => `| ${r.method} | ${r.setting} | ${fmt(r.score.precision)} | ${fmt(r.score.recall)} | ${r.score.truePairs} | ${r.score.predicted} |`)].join('\n');
}
