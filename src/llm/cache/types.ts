import type { CacheEntry } from './entry.js';

/** What the LLM client needs from a response cache (the Kafka-backed one in production, a Map in unit tests). */
export interface ResponseCache {
  /** The entry under `key`, or undefined. May wait for the cache's initial load (bounded). */
  get(key: string, signal?: AbortSignal): Promise<CacheEntry | undefined>;
  /** Store an entry; never throws (a failed write costs a future hit, not a record). */
  put(entry: CacheEntry): void;
  close(): Promise<void>;
}

/** An in-memory cache for unit tests and single-process tools. */
export class MemoryResponseCache implements ResponseCache {
  readonly entries = new Map<string, CacheEntry>();
  async get(key: string): Promise<CacheEntry | undefined> {
    return this.entries.get(key);
  }
  put(entry: CacheEntry): void {
    this.entries.set(entry.key, entry);
  }
  async close(): Promise<void> {}
}
