import type { Logger } from 'pino';
import { retriable } from '../../errors.js';
import type { KafkaClient, Producer } from '../../kafka/client.js';
import { followTopic } from '../../kafka/follow-topic.js';
import type { Metrics } from '../../metrics/catalogue.js';
import { CacheEntry } from './entry.js';
import { BoundedLru } from './lru.js';
import type { ResponseCache } from './types.js';

export interface KafkaCacheOptions {
  client: KafkaClient;
  /** Physical topic name (not run-prefixed: see config.ts). */
  topic: string;
  maxEntries: number;
  maxBytes: number;
  loadTimeoutMs: number;
  metrics: Metrics;
  logger: Logger;
}

/**
 * The response cache on a compacted Kafka topic, shared by every process and instance that names the same topic.
 *
 * Each process reads the topic from the beginning into a bounded in-memory LRU (the one read-to-end helper,
 * `follow`, so entries written later by other instances arrive too) and writes each new reply with an idempotent,
 * non-transactional producer. Lookups wait (bounded by loadTimeoutMs) until the initial read reached the end
 * offsets taken at its start, so a restarted or second process answers from everything stored before it started.
 *
 * Invariants and hazards:
 *  - The cache is an optimisation, never a source of truth: a write that is lost, an entry evicted from memory or
 *    compacted away costs one LLM call later, never a record. Writes are therefore outside the stage's
 *    transaction: a reply stored by a transaction that then aborted is still a correct reply for its key.
 *  - An entry is accepted only if it parses as CacheEntry and its `key` equals the record key; anything else is
 *    counted (`outcome="invalid"`) and ignored, never repaired. The caller validates the reply against its schema
 *    again on every hit.
 *  - Two instances missing the same key at once both call the LLM and both write; compaction keeps the last.
 *  - A missing topic is a configuration error (fatal, with the command that creates it); a slow or unreachable
 *    broker during the initial load is an infrastructure wait (`kafka_retriable`), never a dead letter.
 */
export class KafkaResponseCache implements ResponseCache {
  private readonly lru: BoundedLru<CacheEntry>;
  private readonly stop = new AbortController();
  private loaded: Promise<void> | undefined;
  private producer: Promise<Producer> | undefined;
  private readonly writes = new Set<Promise<unknown>>();

  constructor(private readonly o: KafkaCacheOptions) {
    this.lru = new BoundedLru(o.maxEntries, o.maxBytes);
  }

  /** Start the initial load now (otherwise the first lookup starts it). */
  start(): Promise<void> {
    return (this.loaded ??= this.load());
  }

  private async load(): Promise<void> {
    const started = performance.now();
    const { follower } = await followTopic({
      client: this.o.client,
      topic: this.o.topic,
      holds: 'LLM cache',
      configKey: 'llm.cache.topic',
      signal: this.stop.signal,
      onRecord: (r) => this.apply(r.key?.toString('utf8') ?? null, r.value),
    });
    follower.catch((e: unknown) => {
      if (this.stop.signal.aborted) return;
      this.o.logger.warn({ err: String(e) }, 'LLM cache follower stopped; the next lookup reloads');
      this.loaded = undefined;
    });
    this.o.logger.info({ topic: this.o.topic, entries: this.lru.size, bytes: this.lru.bytes, ms: Math.round(performance.now() - started) }, 'LLM cache loaded');
  }

  private apply(key: string | null, value: Buffer | null): void {
    if (key === null) return this.invalid();
    if (value === null) {
      this.lru.delete(key); // tombstone: an operator removed the entry
      return this.gauge();
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(value.toString('utf8'));
    } catch {
      return this.invalid();
    }
    const e = CacheEntry.safeParse(parsed);
    if (!e.success || e.data.key !== key) return this.invalid();
    this.lru.set(key, e.data, value.length);
    this.gauge();
  }

  private invalid(): void {
    this.o.metrics.llmCacheEntriesIgnored.inc();
  }

  private gauge(): void {
    this.o.metrics.llmCacheEntries.set(this.lru.size);
    this.o.metrics.llmCacheBytes.set(this.lru.bytes);
    this.o.metrics.llmCacheEvictions.inc(this.lru.evicted - this.evictedReported);
    this.evictedReported = this.lru.evicted;
  }
  private evictedReported = 0;

  async get(key: string, signal?: AbortSignal): Promise<CacheEntry | undefined> {
    const loading = this.start();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(retriable('kafka_retriable', `LLM cache ${this.o.topic} not loaded within ${this.o.loadTimeoutMs} ms`)),
        this.o.loadTimeoutMs,
      );
    });
    const aborted = new Promise<never>((_, reject) => {
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    try {
      await Promise.race([loading, timeout, aborted]);
    } finally {
      clearTimeout(timer);
    }
    return this.lru.get(key);
  }

  put(entry: CacheEntry): void {
    const value = Buffer.from(JSON.stringify(entry), 'utf8');
    this.lru.set(entry.key, entry, value.length);
    this.gauge();
    const w = (async () => {
      this.producer ??= (async () => {
        const p = this.o.client.producer({ idempotent: true });
        await p.connect();
        return p;
      })();
      const p = await this.producer;
      await p.send({ topic: this.o.topic, messages: [{ key: entry.key, value }] });
    })().then(
      () => this.o.metrics.llmCacheWrites.inc({ outcome: 'ok' }),
      (e: unknown) => {
        this.o.metrics.llmCacheWrites.inc({ outcome: 'failed' });
        this.o.logger.warn({ err: String(e), topic: this.o.topic }, 'LLM cache write failed (the reply is used; a later identical call pays again)');
      },
    );
    this.writes.add(w);
    void w.finally(() => this.writes.delete(w));
  }

  /** Wait for pending writes (bounded by the producer's own timeouts), stop following, disconnect. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.writes]);
    this.stop.abort();
    const p = await this.producer?.catch(() => undefined);
    await p?.disconnect().catch(() => undefined);
  }
}
