/**
 * Append-only storage of variable-length u32 arrays (token hashes or signatures) in one growable pool, with an
 * optional string id per item. Items are addressed by their insertion index.
 */
export class U32ArrayStore {
  private pool = new Uint32Array(1 << 12);
  private poolUsed = 0;
  private offsets = new Int32Array(1 << 10); // item i occupies pool[offsets[i], offsets[i+1])
  private n = 0;
  private readonly ids: string[] | undefined;

  constructor(withIds = false) {
    this.ids = withIds ? [] : undefined;
  }

  get size(): number {
    return this.n;
  }

  add(values: ArrayLike<number>, id?: string): number {
    while (this.poolUsed + values.length > this.pool.length) {
      const p = new Uint32Array(this.pool.length * 2);
      p.set(this.pool);
      this.pool = p;
    }
    if (this.n + 2 > this.offsets.length) {
      const o = new Int32Array(this.offsets.length * 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    this.pool.set(values, this.poolUsed);
    this.offsets[this.n] = this.poolUsed;
    this.poolUsed += values.length;
    this.offsets[this.n + 1] = this.poolUsed;
    if (this.ids) this.ids.push(id ?? String(this.n));
    return this.n++;
  }

  get(i: number): Uint32Array {
    return this.pool.subarray(this.offsets[i]!, this.offsets[i + 1]!);
  }

  id(i: number): string {
    return this.ids ? this.ids[i]! : String(i);
  }

  get byteLength(): number {
    return this.pool.byteLength + this.offsets.byteLength;
  }
}
