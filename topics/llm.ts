import { DAY_MS, type TopicDef } from './types.js';

/** Base name of the response cache topic; its physical name is `llm.cache.topic` (see `shared`). */
export const LLM_CACHE_TOPIC = 'llm.cache';

/**
 * The LLM response cache (src/llm/cache/): key = content address of a call, value = the accepted reply (plain JSON,
 * validated with zod on every read; no registry subject: like a changelog, it is a store, not a contract between
 * teams). Compacted so one value per key remains; `delete` on top bounds it in time: an entry older than 30 days
 * is dropped (a later identical call pays once more and stores it again).
 *
 * Shared: named by `llm.cache.topic`, never by a run prefix, so `up --fresh` and every instance and environment
 * pointing at the cluster find the replies already paid for.
 */
export const LLM_TOPIC_DEFS: readonly TopicDef[] = [
  {
    name: LLM_CACHE_TOPIC,
    description: 'LLM response cache: replies by content address (model, messages, schema, params), compacted, shared across runs',
    partitions: 6,
    cleanupPolicy: 'compact,delete',
    retentionMs: 30 * DAY_MS,
    shared: true,
    configs: { 'min.compaction.lag.ms': '0', 'segment.ms': String(6 * 60 * 60 * 1000) },
  },
];
