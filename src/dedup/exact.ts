import { exactKey } from './normalize.js';

/** Exact dedup on normalised text: a set of 128-bit keys (as hex strings, ~100 bytes an item in a JS Set). */
export class ExactFilter {
  private readonly seen = new Map<string, string>();

  get size(): number {
    return this.seen.size;
  }

  /** The id of the first item with the same normalised text, else remembers this one and returns undefined. */
  offer(text: string, id: string = String(this.seen.size)): string | undefined {
    return this.offerKey(exactKey(text), id);
  }

  get(key: string): string | undefined {
    return this.seen.get(key);
  }

  add(key: string, id: string): void {
    this.seen.set(key, id);
  }

  offerKey(key: string, id: string): string | undefined {
    const prev = this.seen.get(key);
    if (prev !== undefined) return prev;
    this.seen.set(key, id);
    return undefined;
  }
}
