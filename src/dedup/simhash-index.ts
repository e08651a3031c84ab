import { hashU32s } from './hash32.js';
import { U32ArrayStore } from './item-store.js';
import { U32MultiMap } from './multimap.js';
import { hamming, type Fingerprint } from './simhash.js';

/**
 * Hamming-distance <= k lookup over 64-bit fingerprints with permuted-block tables (Manku, Jain & Das Sarma,
 * WWW 2007), never a scan.
 *
 * The 64 bits are split into B >= k+1 contiguous blocks of near-equal width. Two fingerprints within distance k
 * differ in at most k blocks, so they agree exactly on at least B-k blocks, hence on every block of at least one
 * (B-k)-subset. One table per (B-k)-subset, keyed by the bits of that subset (hashed to 32 bits): a pair within
 * k shares a key in at least one table — the guarantee that makes routing by table key safe in the stream.
 *
 * B trades tables against bucket size: C(B, B-k) tables with ~64(B-k)/B key bits each. Default B = k+1 (k=3:
 * 4 tables of 16-bit keys; ~N/65536 candidates per table per lookup, i.e. ~150 Hamming checks at 2.5M pages,
 * each a few nanoseconds); B = k+2 (10 tables of ~26 bits) suits hundreds of millions of pages.
 */
export interface BlockTable {
  /** Indices of the blocks whose bits form this table's key. */
  blocks: number[];
}

export class BlockLayout {
  readonly k: number;
  readonly blockCount: number;
  /** [start, length] of each block in bit positions 0..63 (0..31 = lo, 32..63 = hi). */
  readonly blockBits: Array<[number, number]>;
  readonly tables: BlockTable[];

  constructor(k: number, blockCount = k + 1) {
    if (!(k >= 0 && blockCount > k && blockCount <= 64)) throw new RangeError(`need k+1 <= blocks <= 64 (k=${k}, blocks=${blockCount})`);
    this.k = k;
    this.blockCount = blockCount;
    this.blockBits = [];
    let start = 0;
    for (let b = 0; b < blockCount; b++) {
      const len = Math.floor(64 / blockCount) + (b < 64 % blockCount ? 1 : 0);
      this.blockBits.push([start, len]);
      start += len;
    }
    this.tables = combinations(blockCount, blockCount - k).map((blocks) => ({ blocks }));
  }

  /** The 32-bit key of every table for a fingerprint. */
  keys(f: Fingerprint): Uint32Array {
    const vals = this.blockBits.map(([s, len]) => extractBits(f, s, len));
    const out = new Uint32Array(this.tables.length);
    const buf = new Uint32Array(this.blockCount);
    this.tables.forEach((t, i) => {
      t.blocks.forEach((b, j) => (buf[j] = vals[b]!));
      out[i] = hashU32s(buf, 0, t.blocks.length, 0x2000 + i);
    });
    return out;
  }
}

function extractBits({ hi, lo }: Fingerprint, s: number, len: number): number {
  let v: number;
  if (s >= 32) v = hi >>> (s - 32);
  else if (s === 0) v = lo;
  else v = (lo >>> s) | (hi << (32 - s));
  return len >= 32 ? v >>> 0 : (v & ((1 << len) - 1)) >>> 0;
}

function combinations(n: number, m: number): number[][] {
  const out: number[][] = [];
  const cur: number[] = [];
  const rec = (from: number) => {
    if (cur.length === m) return void out.push([...cur]);
    for (let i = from; i < n; i++) {
      cur.push(i);
      rec(i + 1);
      cur.pop();
    }
  };
  rec(0);
  return out;
}

/** Table buckets plus stored fingerprints; like BandStore, one store may hold only some tables' keys. */
export class SimHashStore {
  private readonly tables: U32MultiMap[];
  private readonly fps: U32ArrayStore;

  constructor(
    readonly k: number,
    tableCount: number,
    withIds = false,
  ) {
    this.tables = Array.from({ length: tableCount }, () => new U32MultiMap(1024));
    this.fps = new U32ArrayStore(withIds);
  }

  get size(): number {
    return this.fps.size;
  }

  addItem(f: Fingerprint, id?: string): number {
    return this.fps.add([f.hi, f.lo], id);
  }

  link(table: number, key: number, item: number): void {
    this.tables[table]!.add(key, item);
  }

  itemId(item: number): string {
    return this.fps.id(item);
  }

  find(table: number, key: number, f: Fingerprint): number {
    let found = -1;
    this.tables[table]!.forEach(key, (item) => {
      const s = this.fps.get(item);
      if (hamming({ hi: s[0]!, lo: s[1]! }, f) <= this.k) found = item;
      return found !== -1;
    });
    return found;
  }

  get byteLength(): number {
    return this.tables.reduce((s, t) => s + t.byteLength, 0) + this.fps.byteLength;
  }
}

/** The offline index: check all tables, insert into all tables. */
export class SimHashIndex {
  readonly layout: BlockLayout;
  private readonly store: SimHashStore;

  constructor(k = 3, blockCount = k + 1, withIds = false) {
    this.layout = new BlockLayout(k, blockCount);
    this.store = new SimHashStore(k, this.layout.tables.length, withIds);
  }

  get size(): number {
    return this.store.size;
  }

  query(f: Fingerprint, keys = this.layout.keys(f)): string | undefined {
    for (let t = 0; t < keys.length; t++) {
      const hit = this.store.find(t, keys[t]!, f);
      if (hit !== -1) return this.store.itemId(hit);
    }
    return undefined;
  }

  insert(f: Fingerprint, id?: string, keys = this.layout.keys(f)): void {
    const item = this.store.addItem(f, id);
    for (let t = 0; t < keys.length; t++) this.store.link(t, keys[t]!, item);
  }

  offer(f: Fingerprint, id?: string): string | undefined {
    const keys = this.layout.keys(f);
    const dup = this.query(f, keys);
    if (dup === undefined) this.insert(f, id, keys);
    return dup;
  }
}
