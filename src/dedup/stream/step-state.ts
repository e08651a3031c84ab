import { murmur32 } from '../hash32.js';
import { U32ArrayStore } from '../item-store.js';
import { U32MultiMap } from '../multimap.js';
import { hex8, type ChangelogEntry } from './route-record.js';

/**
 * The state of one route partition: for every step key routed to it, the items stored under that key.
 * Pure and synchronous; the stage feeds it one record at a time in partition order (ordering 'partition').
 *
 * `offer` decides one step for one item:
 *   duplicate  a stored item under this key is the same text (exact step, other ref) or a verified
 *              near-duplicate (band/table step): drop the item
 *   stored     nothing matched; the item is now stored under the key (write the changelog entry) and moves on
 *   replay     this very item is already stored under the key (same ref on the exact step, same id on a band
 *              step): a record re-processed after an aborted transaction. Moves on without storing again, so
 *              re-processing never makes an item its own duplicate. The entry is returned so that the changelog is
 *              written again: every entry the in-memory state decides by must be in the changelog, or a later
 *              restore forgets it (and an exact copy arriving after that would pass).
 *
 * Layout (compact: ~80 bytes per stored persona per step instead of a few hundred as JS objects): step keys
 * hash to 32 bits in a U32MultiMap; each stored entry is one u32 record in a U32ArrayStore:
 *   exact step  [idHash, keyHash, partition, offsetHi, offsetLo, ...exact key as 4 u32]
 *   other step  [idHash, keyHash, ...payload]
 * A 32-bit step-key collision only adds candidates: entries carry their own key hash and the exact key itself,
 * and band/table candidates are verified anyway. The replay test on band steps compares the 32-bit id hash and
 * the payload, so two different items are confused only if both collide and have identical word sets, which
 * makes them duplicates anyway.
 */
/** `of` names the stored entry that matched by the hex of its 32-bit id hash (ids themselves are not kept in memory). */
export type Decision = { action: 'duplicate'; of: string } | { action: 'stored'; entry: ChangelogEntry } | { action: 'replay'; entry: ChangelogEntry };

const HEAD = 2;

export class StepState {
  private readonly index = new U32MultiMap(1024);
  private readonly entries = new U32ArrayStore(false);

  get size(): number {
    return this.entries.size;
  }

  get byteLength(): number {
    return this.index.byteLength + this.entries.byteLength;
  }

  offer(
    key: string,
    item: { id: string; ref: string; payload: readonly number[] },
    nearDuplicate: (stored: ArrayLike<number>, incoming: readonly number[]) => boolean,
  ): Decision {
    const exact = key.startsWith('x:');
    const keyHash = murmur32(key, 0x51);
    const record = encode(key, keyHash, item);
    let replay = false;
    let dupOf = -1;
    this.index.forEach(keyHash, (e) => {
      const s = this.entries.get(e);
      if (s[1] !== keyHash) return false;
      if (exact) {
        if (!sameRange(s, record, HEAD + 3, record.length)) return false; // other exact key (hash collision)
        if (sameRange(s, record, 0, HEAD + 3)) replay = true;
        else dupOf = e;
        return true;
      }
      if (s[0] === record[0] && sameRange(s, record, HEAD, record.length) && s.length === record.length) {
        replay = true;
        return true;
      }
      if (dupOf === -1 && nearDuplicate(s.subarray(HEAD), item.payload)) dupOf = e;
      return false; // keep looking: a replay entry may come later in the bucket
    });
    const entry: ChangelogEntry = { key, id: item.id, ref: item.ref, payload: [...item.payload] };
    if (replay) return { action: 'replay', entry };
    if (dupOf !== -1) return { action: 'duplicate', of: hex8(this.entries.get(dupOf)[0]!) };
    this.store(keyHash, record);
    return { action: 'stored', entry };
  }

  /** Apply a changelog entry (restore after assignment). Idempotent: an entry seen twice is stored once. */
  restore(e: ChangelogEntry): void {
    const keyHash = murmur32(e.key, 0x51);
    const record = encode(e.key, keyHash, e);
    let seen = false;
    this.index.forEach(keyHash, (i) => (seen = sameRange(this.entries.get(i), record, 0, record.length) && this.entries.get(i).length === record.length));
    if (!seen) this.store(keyHash, record);
  }

  private store(keyHash: number, record: Uint32Array): void {
    this.index.add(keyHash, this.entries.add(record));
  }
}

function encode(key: string, keyHash: number, item: { id: string; ref: string; payload: readonly number[] }): Uint32Array {
  const idHash = murmur32(item.id, 0x1d);
  if (key.startsWith('x:')) {
    const [p, off] = item.ref.split(':');
    const offset = Number(off ?? 0);
    const hex = key.slice(2).padEnd(32, '0');
    return Uint32Array.from([
      idHash,
      keyHash,
      Number(p ?? 0),
      Math.floor(offset / 2 ** 32),
      offset >>> 0,
      parseInt(hex.slice(0, 8), 16),
      parseInt(hex.slice(8, 16), 16),
      parseInt(hex.slice(16, 24), 16),
      parseInt(hex.slice(24, 32), 16),
    ]);
  }
  const r = new Uint32Array(HEAD + item.payload.length);
  r[0] = idHash;
  r[1] = keyHash;
  r.set(item.payload, HEAD);
  return r;
}

function sameRange(a: ArrayLike<number>, b: ArrayLike<number>, from: number, to: number): boolean {
  if (a.length < to || b.length < to) return false;
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
}
