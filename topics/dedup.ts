import type { TopicDef } from './types.js';

/**
 * Compacted changelogs holding dedup state, restored on partition assignment (DESIGN.md §3, scale-out).
 *
 * Invariant: a changelog has exactly as many partitions as the topic its stage consumes, and state for input
 * partition p lives in changelog partition p, so an instance restores only the partitions it was assigned.
 * Raising the input's partitions therefore means raising the changelog's too, in the same `topics apply`.
 * (Owned by the dedup engineer; the foundation only registers this file in topics/index.ts.)
 */
export const DEDUP_TOPIC_DEFS: readonly TopicDef[] = [
  {
    name: 'personas.candidates.dedup.changelog',
    description: 'Persona dedup state (exact keys, MinHash-LSH band entries), compacted; co-partitioned with personas.candidates',
    partitions: 6,
    cleanupPolicy: 'compact',
    configs: { 'min.compaction.lag.ms': '0', 'segment.ms': String(60 * 60 * 1000) },
  },
  {
    name: 'web.documents.pagefilter.changelog',
    description: 'Page filter state (exact hashes, SimHash blocks), compacted; co-partitioned with web.documents',
    partitions: 6,
    cleanupPolicy: 'compact',
    configs: { 'min.compaction.lag.ms': '0', 'segment.ms': String(60 * 60 * 1000) },
  },
];
