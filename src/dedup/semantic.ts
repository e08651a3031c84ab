import { hashU32s, mulberry32 } from './hash32.js';
import { U32MultiMap } from './multimap.js';
import type { Banding } from './lsh-params.js';

/**
 * Semantic near-duplicates: cosine similarity of embeddings >= threshold (the paper's second pass uses 0.9),
 * found with random-hyperplane sketches (Charikar 2002) in a banded index, never by comparing against everything.
 *
 * A sketch bit is the sign of the vector's dot product with a seeded Gaussian hyperplane; two vectors at angle
 * theta agree on a bit with probability p = 1 - theta/pi (cos 0.9 -> p = 0.856). Bits are grouped into `bands`
 * of `rows`; vectors sharing a band are candidates, verified by exact cosine on the stored unit vectors.
 * Default 24 x 8: a pair at exactly cos 0.9 is a candidate with probability 1 - (1 - 0.856^8)^24 = 0.9997.
 * Memory: dim * 4 bytes a stored item (6 KiB at 1536 dimensions) plus the buckets.
 */
export interface SemanticOptions {
  threshold: number;
  banding: Banding;
  seed: number;
}

export const DEFAULT_SEMANTIC: SemanticOptions = { threshold: 0.9, banding: { bands: 24, rows: 8 }, seed: 7 };

export function unit(v: ArrayLike<number>): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  const s = n > 0 ? 1 / Math.sqrt(n) : 0;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * s;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export class SemanticIndex {
  readonly opts: SemanticOptions;
  private planes: Float32Array | undefined;
  private dim = 0;
  private readonly buckets: U32MultiMap[];
  private readonly vectors: Float32Array[] = [];
  private readonly ids: string[] = [];

  constructor(opts: Partial<SemanticOptions> = {}) {
    this.opts = { ...DEFAULT_SEMANTIC, ...opts };
    if (this.opts.banding.rows > 32) throw new RangeError('rows must be <= 32');
    this.buckets = Array.from({ length: this.opts.banding.bands }, () => new U32MultiMap(1024));
  }

  get size(): number {
    return this.vectors.length;
  }

  /** Band keys of a unit vector. Hyperplanes are drawn on first use, when the dimension is known. */
  keys(v: Float32Array): Uint32Array {
    this.ensurePlanes(v.length);
    const { bands, rows } = this.opts.banding;
    const planes = this.planes!;
    const vals = new Uint32Array(1);
    const out = new Uint32Array(bands);
    for (let b = 0; b < bands; b++) {
      let bits = 0;
      for (let r = 0; r < rows; r++) {
        const p = (b * rows + r) * this.dim;
        let s = 0;
        for (let i = 0; i < this.dim; i++) s += planes[p + i]! * v[i]!;
        if (s >= 0) bits |= 1 << r;
      }
      vals[0] = bits >>> 0;
      out[b] = hashU32s(vals, 0, 1, 0x3000 + b);
    }
    return out;
  }

  /** Id of a stored item with cosine >= threshold, or undefined. */
  query(v: Float32Array, keys = this.keys(v)): string | undefined {
    for (let b = 0; b < keys.length; b++) {
      let hit = -1;
      this.buckets[b]!.forEach(keys[b]!, (i) => {
        if (dot(this.vectors[i]!, v) >= this.opts.threshold) hit = i;
        return hit !== -1;
      });
      if (hit !== -1) return this.ids[hit];
    }
    return undefined;
  }

  insert(v: Float32Array, id: string, keys = this.keys(v)): void {
    const i = this.vectors.length;
    this.vectors.push(v);
    this.ids.push(id);
    for (let b = 0; b < keys.length; b++) this.buckets[b]!.add(keys[b]!, i);
  }

  /** Takes a raw embedding (normalised here). */
  offer(embedding: ArrayLike<number>, id: string): string | undefined {
    const v = unit(embedding);
    const keys = this.keys(v);
    const dup = this.query(v, keys);
    if (dup === undefined) this.insert(v, id, keys);
    return dup;
  }

  private ensurePlanes(dim: number): void {
    if (this.planes) {
      if (dim !== this.dim) throw new RangeError(`embedding dimension changed from ${this.dim} to ${dim}`);
      return;
    }
    const { bands, rows } = this.opts.banding;
    const rnd = mulberry32(this.opts.seed);
    const n = bands * rows * dim;
    const planes = new Float32Array(n);
    // Box-Muller: Gaussian components make the hyperplane direction uniform on the sphere.
    for (let i = 0; i < n; i += 2) {
      const u = 1 - rnd();
      const r = Math.sqrt(-2 * Math.log(u));
      const t = 2 * Math.PI * rnd();
      planes[i] = r * Math.cos(t);
      if (i + 1 < n) planes[i + 1] = r * Math.sin(t);
    }
    this.planes = planes;
    this.dim = dim;
  }
}
