import type { ChangelogEntry } from './route-record.js';

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
 *              re-processing never makes an item its own duplicate.
 */
export type Decision = { action: 'duplicate'; of: string } | { action: 'stored'; entry: ChangelogEntry } | { action: 'replay' };

interface Stored {
  id: string;
  ref: string;
  payload: readonly number[];
}

export class StepState {
  private readonly byKey = new Map<string, Stored[]>();
  private items = 0;

  get size(): number {
    return this.items;
  }

  offer(
    key: string,
    item: { id: string; ref: string; payload: readonly number[] },
    nearDuplicate: (stored: readonly number[], incoming: readonly number[]) => boolean,
  ): Decision {
    const exact = key.startsWith('x:');
    const bucket = this.byKey.get(key);
    if (bucket) {
      for (const s of bucket) {
        if (exact ? s.ref === item.ref : s.id === item.id) return { action: 'replay' };
      }
      for (const s of bucket) {
        if (exact || nearDuplicate(s.payload, item.payload)) return { action: 'duplicate', of: s.id };
      }
    }
    const entry: ChangelogEntry = { key, id: item.id, ref: item.ref, payload: [...item.payload] };
    this.restore(entry);
    return { action: 'stored', entry };
  }

  /** Apply a changelog entry (restore after assignment). Idempotent: an entry seen twice is stored once. */
  restore(e: ChangelogEntry): void {
    const bucket = this.byKey.get(e.key);
    if (bucket?.some((s) => s.id === e.id && s.ref === e.ref)) return;
    const stored = { id: e.id, ref: e.ref, payload: e.payload };
    if (bucket) bucket.push(stored);
    else this.byKey.set(e.key, [stored]);
    this.items++;
  }
}
