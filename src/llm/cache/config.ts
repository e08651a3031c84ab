import { z } from 'zod';

/**
 * The `llm.cache` section: the response cache (src/llm/cache/). A reply is stored under a key derived from
 * everything that determines it (key.ts); a later call with the same key is answered from the cache, costs nothing
 * and is marked `provenance.cache.hit = true`.
 */
export const CACHE_MODES = ['off', 'read-write', 'read-only'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

export const LlmCacheConfig = z
  .object({
    mode: z
      .enum(CACHE_MODES)
      .default('off')
      .describe('off: no lookups, no writes; read-write: look up, store every new reply; read-only: look up, never store (a replay that must not grow the cache)'),
    stages: z
      .record(z.string(), z.enum(CACHE_MODES))
      .default({})
      .describe('Per-stage mode by stage name (e.g. synthesize-math: read-only), winning over `mode`'),
    topic: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .default('llm.cache')
      .describe('Compacted topic holding the cache. Not prefixed by a run prefix (up --fresh, --prefix): every run and instance shares it'),
    maxEntries: z.number().int().positive().default(200_000).describe('Entries held in memory per process (least recently used dropped first)'),
    maxBytes: z
      .number()
      .int()
      .positive()
      .default(256 * 1024 * 1024)
      .describe('Bytes of stored replies held in memory per process (least recently used dropped first)'),
    loadTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(120_000)
      .describe('A lookup waits at most this long for the initial load of the cache topic, then fails retriable (the record is retried, never answered twice)'),
  })
  .prefault({});
export type LlmCacheConfig = z.infer<typeof LlmCacheConfig>;

/** The mode a stage runs with: its own entry, else the section's default. */
export const cacheModeFor = (c: LlmCacheConfig, stage: string): CacheMode => c.stages[stage] ?? c.mode;

/** True when any stage may use the cache (so a process needs one). */
export const cacheInUse = (c: LlmCacheConfig): boolean => c.mode !== 'off' || Object.values(c.stages).some((m) => m !== 'off');
