import { DAY_MS, type TopicDef } from './types.js';

/** Base name of the response cache topic; its physical name is `llm.cache.topic` (see `shared`). */
export const LLM_CACHE_TOPIC = 'llm.cache';
/** Base name of the spend ledger of the budgets; its physical name is `llm.budgets.topic`. */
export const LLM_SPEND_TOPIC = 'llm.spend';

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
  {
    // Budgets (src/llm/budget/): each instance's cumulative spend per budget and raised limits. Compacted only: the
    // latest value per key is the state (a few records per instance and budget); never time-deleted, or spend
    // already counted would be forgotten and the budget would start again.
    name: LLM_SPEND_TOPIC,
    description: 'LLM budgets: cumulative spend per instance and budget, and raised limits; compacted, shared across instances',
    partitions: 1,
    cleanupPolicy: 'compact',
    shared: true,
    configs: { 'min.compaction.lag.ms': '0', 'segment.ms': String(60 * 60 * 1000) },
  },
];
