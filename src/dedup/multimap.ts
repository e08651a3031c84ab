/**
 * A growable u32-key -> list-of-int32 multimap in typed arrays (open addressing, linear probing, chained values).
 * Used for LSH band buckets and SimHash block tables: millions of keys in a JS Map cost ~80 bytes each and hit
 * V8's 2^24-entry limit; this costs ~8 bytes per stored value plus ~11 bytes per distinct key at load <= 0.75.
 *
 * Values of one key come back newest first. Deletion is not supported (filters only grow; state for a revoked
 * partition is dropped by discarding the whole map).
 */
export class U32MultiMap {
  private keys: Uint32Array;
  private heads: Int32Array; // -1 = empty slot
  private mask: number;
  private used = 0;
  private next: Int32Array;
  private vals: Int32Array;
  private count = 0;

  constructor(initialKeys = 1024) {
    let cap = 16;
    while (cap < initialKeys * 2) cap *= 2;
    this.keys = new Uint32Array(cap);
    this.heads = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.next = new Int32Array(initialKeys);
    this.vals = new Int32Array(initialKeys);
  }

  get size(): number {
    return this.count;
  }

  add(key: number, value: number): void {
    if ((this.used + 1) * 4 > (this.mask + 1) * 3) this.rehash();
    if (this.count === this.vals.length) this.growValues();
    key >>>= 0;
    let slot = mix(key) & this.mask;
    while (this.heads[slot] !== -1 && this.keys[slot] !== key) slot = (slot + 1) & this.mask;
    if (this.heads[slot] === -1) {
      this.keys[slot] = key;
      this.used++;
    }
    const v = this.count++;
    this.vals[v] = value;
    this.next[v] = this.heads[slot]!;
    this.heads[slot] = v;
  }

  /** Calls fn for every value stored under key, newest first; stop early by returning true. */
  forEach(key: number, fn: (value: number) => boolean | void): void {
    key >>>= 0;
    let slot = mix(key) & this.mask;
    while (this.heads[slot] !== -1) {
      if (this.keys[slot] === key) {
        for (let v = this.heads[slot]!; v !== -1; v = this.next[v]!) if (fn(this.vals[v]!) === true) return;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Bytes held by the typed arrays (for memory reports). */
  get byteLength(): number {
    return this.keys.byteLength + this.heads.byteLength + this.next.byteLength + this.vals.byteLength;
  }

  private growValues(): void {
    const n = this.vals.length * 2;
    const next = new Int32Array(n);
    next.set(this.next);
    const vals = new Int32Array(n);
    vals.set(this.vals);
    this.next = next;
    this.vals = vals;
  }

  private rehash(): void {
    const oldKeys = this.keys;
    const oldHeads = this.heads;
    const cap = oldKeys.length * 2;
    this.keys = new Uint32Array(cap);
    this.heads = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const head = oldHeads[i]!;
      if (head === -1) continue;
      let slot = mix(oldKeys[i]!) & this.mask;
      while (this.heads[slot] !== -1) slot = (slot + 1) & this.mask;
      this.keys[slot] = oldKeys[i]!;
      this.heads[slot] = head;
    }
  }
}

/** Keys are already hashes, but SimHash block keys are raw bits: scramble so probing stays short. */
function mix(k: number): number {
  k = Math.imul(k ^ (k >>> 16), 0x45d9f3b);
  return k ^ (k >>> 16);
}
