import { fatal } from '../../errors.js';
import { base64ToU32s, changelogKey, u32sToBase64, type ChangelogEntry } from './route-record.js';

/**
 * The state of one route partition: every item stored there, findable by each of its keys that this partition
 * owns. Pure and synchronous; the bands stage feeds it one record at a time in partition order.
 *
 * Layout (typed arrays only; ~250 bytes per stored 13-word persona with 16 band keys, growth slack included):
 *   pool     u32 item records back to back: [xh, ref, nKeys, nPayload, ...keys, ...payload, ...vector]
 *            (vector: the float32 bits of a unit embedding, semantic dedup only)
 *   offsets  start of item i's record in the pool (offsets[n] = pool end)
 *   slots    open-addressing table (linear probing, 53-80% full) of pool positions of keys: a slot holds the
 *            position of one (item, key) pair; the key itself is read from the pool. Neither keys nor item
 *            numbers are stored twice; the item of a position is found by binary search in `offsets`.
 *
 * `offer` decides one item against this partition's keys:
 *   duplicate  a stored item found under one of its keys is a verified near-duplicate (scheme's test, or cosine
 *              >= the semantic threshold when both have vectors): drop the item (`exact` when the exact-key hashes
 *              match and the payloads are equal)
 *   replay     this very record was stored before (same exact hash, same ref = offset of the route record, same
 *              payload): a record re-processed in at-least-once mode; it moves on without being stored again, so
 *              re-processing never makes an item its own duplicate
 *   stored     nothing matched: the item is appended and the changelog entry of its segment is returned
 *
 * Changelog (route-record.ts ChangelogEntry): storing item i rewrites segment floor(i/S) with all of its items so
 * far. `restore` applies an entry idempotently: items of the segment already present are skipped, the rest appended
 * in order. Invariant: the state is exactly the concatenation of the restored segments, so item numbers (and
 * therefore the next segment's key) are the same in every incarnation of the partition.
 */
export type Decision = { action: 'duplicate'; by: 'exact' | 'near' | 'semantic' } | { action: 'stored'; entry: ChangelogEntry } | { action: 'replay'; entry: ChangelogEntry };

export interface OfferedItem {
  xh: number;
  ref: number;
  keys: ArrayLike<number>;
  payload: ArrayLike<number>;
  vec?: Float32Array | undefined;
}

export type Verify = (stored: Uint32Array, incoming: ArrayLike<number>) => boolean;

const HEAD = 4;
const MAX_LOAD = 0.8;
const SLOT_GROWTH = 1.5;
/** Pool and offsets grow by 1.25: at most 20% of them is unused. */
const GROWTH = 1.25;

export class PartitionIndex {
  private pool = new Uint32Array(256);
  private floats = new Float32Array(this.pool.buffer);
  private used = 0;
  private offsets = new Int32Array(64);
  private n = 0;
  private slots = new Int32Array(256).fill(-1);
  private filled = 0;
  private readonly seen: number[] = [];

  constructor(
    private readonly partition: number,
    private readonly segmentItems: number,
    private readonly verify: Verify,
    private readonly cosine?: number,
  ) {}

  /** Items stored. */
  get size(): number {
    return this.n;
  }

  /** Bytes held by the typed arrays (state size). */
  get byteLength(): number {
    return this.pool.byteLength + this.offsets.byteLength + this.slots.byteLength;
  }

  offer(item: OfferedItem): Decision {
    const seen = this.seen;
    seen.length = 0;
    for (let k = 0; k < item.keys.length; k++) {
      const key = item.keys[k]!;
      const size = this.slots.length;
      for (let s = home(key, size); this.slots[s] !== -1; s = s + 1 === size ? 0 : s + 1) {
        const pos = this.slots[s]!;
        if (this.pool[pos] !== key) continue;
        const i = this.itemAt(pos);
        if (seen.includes(i)) continue;
        seen.push(i);
        const d = this.compare(i, item);
        if (d === 'replay') return { action: 'replay', entry: this.segmentEntry(i) };
        if (d !== 'different') return { action: 'duplicate', by: d };
      }
    }
    this.append(encode(item));
    return { action: 'stored', entry: this.segmentEntry(this.n - 1) };
  }

  /** Apply a changelog entry (restore). Idempotent: items of the segment already present are skipped. */
  restore(e: ChangelogEntry): void {
    const first = e.seg * this.segmentItems;
    if (first > this.n) {
      throw fatal('internal', `dedup state of route partition ${this.partition}: segment ${e.seg} arrived with only ${this.n} items stored (segments must be restored in order)`);
    }
    const data = base64ToU32s(e.data);
    let item = first;
    // each record is prefixed with its length in words (+1 for the prefix itself): HEAD + keys + payload + vector
    for (let at = 0; at < data.length; item++) {
      const total = data[at]!;
      if (total < HEAD + 1 || at + total > data.length || total < HEAD + 1 + data[at + 3]! + data[at + 4]!) {
        throw fatal('internal', `dedup state of route partition ${this.partition}: segment ${e.seg} is corrupt at word ${at}`);
      }
      if (item >= this.n) this.append(data.slice(at + 1, at + total));
      at += total;
    }
  }

  private compare(i: number, item: OfferedItem): 'different' | 'replay' | 'exact' | 'near' | 'semantic' {
    const r = this.pool.subarray(this.offsets[i]!, this.offsets[i + 1]!);
    const nKeys = r[2]!;
    const nPay = r[3]!;
    const payload = r.subarray(HEAD + nKeys, HEAD + nKeys + nPay);
    let samePayload = nPay === item.payload.length;
    for (let j = 0; samePayload && j < nPay; j++) samePayload = payload[j] === item.payload[j];
    if (r[0] === item.xh >>> 0 && samePayload) return r[1] === item.ref >>> 0 ? 'replay' : 'exact';
    if (this.verify(payload, item.payload)) return 'near';
    if (this.cosine !== undefined && item.vec) {
      const from = this.offsets[i]! + HEAD + nKeys + nPay;
      const dim = this.offsets[i + 1]! - from;
      if (dim === item.vec.length) {
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += this.floats[from + j]! * item.vec[j]!;
        if (dot >= this.cosine) return 'semantic';
      }
    }
    return 'different';
  }

  /** Segment of item i, with every item of it stored so far. */
  private segmentEntry(i: number): ChangelogEntry {
    const seg = Math.floor(i / this.segmentItems);
    const from = seg * this.segmentItems;
    const to = Math.min(this.n, from + this.segmentItems);
    const words = to - from + (this.offsets[to]! - this.offsets[from]!);
    const out = new Uint32Array(words);
    let at = 0;
    for (let j = from; j < to; j++) {
      const rec = this.pool.subarray(this.offsets[j]!, this.offsets[j + 1]!);
      out[at++] = rec.length + 1;
      out.set(rec, at);
      at += rec.length;
    }
    return { seg, data: u32sToBase64(out) };
  }

  /** The item whose record holds pool position pos (binary search over offsets). */
  private itemAt(pos: number): number {
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.offsets[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private append(rec: Uint32Array): void {
    if (this.used + rec.length > this.pool.length) {
      const p = new Uint32Array(Math.max(this.used + rec.length, Math.ceil(this.pool.length * GROWTH)));
      p.set(this.pool.subarray(0, this.used));
      this.pool = p;
      this.floats = new Float32Array(p.buffer);
    }
    if (this.n + 2 > this.offsets.length) {
      const o = new Int32Array(Math.ceil(this.offsets.length * GROWTH) + 2);
      o.set(this.offsets.subarray(0, this.n + 1));
      this.offsets = o;
    }
    const at = this.used;
    this.pool.set(rec, at);
    this.offsets[this.n] = at;
    this.used += rec.length;
    this.n++;
    this.offsets[this.n] = this.used;
    const nKeys = rec[2]!;
    for (let k = 0; k < nKeys; k++) this.link(at + HEAD + k);
  }

  private link(pos: number): void {
    if (this.filled + 1 > this.slots.length * MAX_LOAD) this.grow();
    this.place(this.slots, pos);
    this.filled++;
  }

  private place(slots: Int32Array, pos: number): void {
    const size = slots.length;
    let s = home(this.pool[pos]!, size);
    while (slots[s] !== -1) s = s + 1 === size ? 0 : s + 1;
    slots[s] = pos;
  }

  /** Grow by 1.5 (any size works: `home` maps a hash onto [0, size)), so the table stays 53-80% full. */
  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(Math.ceil(old.length * SLOT_GROWTH)).fill(-1);
    for (const pos of old) if (pos !== -1) this.place(this.slots, pos);
  }
}

function encode(item: OfferedItem): Uint32Array {
  const dim = item.vec?.length ?? 0;
  const r = new Uint32Array(HEAD + item.keys.length + item.payload.length + dim);
  r[0] = item.xh >>> 0;
  r[1] = item.ref >>> 0;
  r[2] = item.keys.length;
  r[3] = item.payload.length;
  r.set(item.keys, HEAD);
  r.set(item.payload, HEAD + item.keys.length);
  if (item.vec) new Float32Array(r.buffer).set(item.vec, HEAD + item.keys.length + item.payload.length);
  return r;
}

/** Home slot of a key in a table of `size` slots: scramble (keys are hashes, but stay safe), then scale to [0, size). */
function home(k: number, size: number): number {
  k = Math.imul(k ^ (k >>> 16), 0x45d9f3b);
  k = (k ^ (k >>> 16)) >>> 0;
  return Math.floor((k / 4294967296) * size);
}
