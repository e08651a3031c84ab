import { hashU32s } from './hash32.js';
import { U32ArrayStore } from './item-store.js';
import { U32MultiMap } from './multimap.js';
import { jaccardSorted, MinHasher, signatureSimilarity, type MinHashed } from './minhash.js';
import type { Banding } from './lsh-params.js';

/**
 * MinHash-LSH near-duplicate index for short texts (personas).
 *
 * Banding: the signature is cut into `bands` runs of `rows` values; each run hashes to a 32-bit band key, and
 * items sharing any band key are candidates. Default 16 x 8 for threshold 0.9: a pair at Jaccard 0.9 becomes a
 * candidate with probability 1 - (1 - 0.9^8)^16 = 0.99988 (see lsh-params.ts for why not the equal-weight
 * optimum 5 x 25, which finds only 31% of pairs at exactly 0.9).
 *
 * Verification of candidates:
 *   exact      Jaccard of the stored sorted word hashes >= threshold (default; exact up to 32-bit word-hash
 *              collisions; ~4 bytes a distinct word)
 *   signature  MinHash estimate >= threshold (stores numPerm * 4 bytes an item; for long texts where the word
 *              sets are larger than the signature; an estimate, so borderline pairs go either way)
 *   none       every candidate is a duplicate (the raw LSH answer; for evaluation only)
 *
 * A band key is a 32-bit hash of `rows` values, so unrelated items collide in a band with probability ~2^-32
 * per stored item; verification removes those too.
 */
export type Verify = 'exact' | 'signature' | 'none';

export interface MinHashLshOptions {
  threshold: number;
  numPerm: number;
  banding: Banding;
  verify: Verify;
  seed: number;
}

export const DEFAULT_MINHASH: MinHashLshOptions = {
  threshold: 0.9,
  numPerm: 128,
  banding: { bands: 16, rows: 8 },
  verify: 'exact',
  seed: 1,
};

/** Band keys of a signature: band i's key is a hash of rows [i*r, (i+1)*r), seeded by i. */
export function bandKeys(signature: Uint32Array, { bands, rows }: Banding): Uint32Array {
  const keys = new Uint32Array(bands);
  for (let b = 0; b < bands; b++) keys[b] = hashU32s(signature, b * rows, (b + 1) * rows, 0x1000 + b);
  return keys;
}

/**
 * Band buckets plus the verification payload of every inserted item. One store may hold all bands (offline) or
 * only the band keys routed to one partition (streaming): `link` is per band, `addItem` once per item.
 */
export class BandStore {
  private readonly buckets: U32MultiMap[];
  private readonly items: U32ArrayStore;

  constructor(
    private readonly opts: Pick<MinHashLshOptions, 'threshold' | 'verify'> & { bands: number },
    withIds = false,
  ) {
    this.buckets = Array.from({ length: opts.bands }, () => new U32MultiMap(1024));
    this.items = new U32ArrayStore(withIds);
  }

  get size(): number {
    return this.items.size;
  }

  addItem(h: MinHashed, id?: string): number {
    return this.items.add(this.opts.verify === 'signature' ? h.signature : h.tokens, id);
  }

  link(band: number, key: number, item: number): void {
    this.buckets[band]!.add(key, item);
  }

  itemId(item: number): string {
    return this.items.id(item);
  }

  /** First stored item in the band-`band` bucket `key` that verifies as a near-duplicate of h, or -1. */
  find(band: number, key: number, h: MinHashed): number {
    let found = -1;
    const { verify, threshold } = this.opts;
    this.buckets[band]!.forEach(key, (item) => {
      const stored = this.items.get(item);
      const ok =
        verify === 'none' ||
        (verify === 'exact'
          ? jaccardSorted(stored, h.tokens) >= threshold
          : signatureSimilarity(stored, h.signature) >= threshold);
      if (ok) found = item;
      return ok;
    });
    return found;
  }

  get byteLength(): number {
    return this.buckets.reduce((s, b) => s + b.byteLength, 0) + this.items.byteLength;
  }
}

/** The offline (single-process) index: check all bands, insert into all bands. */
export class MinHashLsh {
  readonly opts: MinHashLshOptions;
  readonly hasher: MinHasher;
  private readonly store: BandStore;

  constructor(opts: Partial<MinHashLshOptions> = {}, withIds = false) {
    this.opts = { ...DEFAULT_MINHASH, ...opts };
    const { bands, rows } = this.opts.banding;
    if (bands * rows > this.opts.numPerm) throw new RangeError(`bands*rows ${bands * rows} > numPerm ${this.opts.numPerm}`);
    this.hasher = new MinHasher(this.opts.numPerm, this.opts.seed);
    this.store = new BandStore({ ...this.opts, bands }, withIds);
  }

  get size(): number {
    return this.store.size;
  }

  get byteLength(): number {
    return this.store.byteLength;
  }

  hash(text: string): MinHashed {
    return this.hasher.hash(text);
  }

  /** Id (or index) of a stored near-duplicate of h, or undefined. */
  query(h: MinHashed, keys = bandKeys(h.signature, this.opts.banding)): string | undefined {
    for (let b = 0; b < keys.length; b++) {
      const hit = this.store.find(b, keys[b]!, h);
      if (hit !== -1) return this.store.itemId(hit);
    }
    return undefined;
  }

  insert(h: MinHashed, id?: string, keys = bandKeys(h.signature, this.opts.banding)): void {
    const item = this.store.addItem(h, id);
    for (let b = 0; b < keys.length; b++) this.store.link(b, keys[b]!, item);
  }

  /** Greedy first-come dedup: returns the id of the near-duplicate that makes h a duplicate, else stores h. */
  offer(h: MinHashed, id?: string): string | undefined {
    const keys = bandKeys(h.signature, this.opts.banding);
    const dup = this.query(h, keys);
    if (dup === undefined) this.insert(h, id, keys);
    return dup;
  }
}
