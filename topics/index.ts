import { DATAFLOW_TOPIC_DEFS } from './dataflow.js';
import { DEAD_LETTER_TOPIC_DEFS } from './dead-letters.js';
import { DEDUP_TOPIC_DEFS } from './dedup.js';
import { SYNTH_TOPIC_DEFS, VERIFIED_TOPIC_DEFS } from './synth.js';
import { LLM_TOPIC_DEFS } from './llm.js';
import { DOCUMENT_MAX_MESSAGE_BYTES, DOCUMENT_TOPIC_PREFIX, INPUT_MAX_MESSAGE_BYTES, INPUT_TOPIC, valueSubject, type ResolvedTopic, type TopicDef, type TopicsOptions } from './types.js';

export * from './types.js';
export { STAGE_INPUTS } from './dead-letters.js';
export { LLM_CACHE_TOPIC, LLM_SPEND_TOPIC } from './llm.js';

/**
 * Every topic of personahub. To add topics: create topics/<area>.ts exporting `readonly TopicDef[]` and list it
 * here — this is the only registration point (`topics apply`, `schemas gen|register` and the tests read it).
 */
export const TOPIC_SETS: ReadonlyArray<readonly TopicDef[]> = [
  DATAFLOW_TOPIC_DEFS,
  SYNTH_TOPIC_DEFS,
  VERIFIED_TOPIC_DEFS,
  DEDUP_TOPIC_DEFS,
  DEAD_LETTER_TOPIC_DEFS,
  LLM_TOPIC_DEFS,
];

export const ALL_TOPIC_DEFS: readonly TopicDef[] = TOPIC_SETS.flat();

/** The definitions made concrete for one cluster (prefix, replication). Names are unique (checked here). */
export function topicsFor(options: TopicsOptions = {}): ResolvedTopic[] {
  const prefix = options.prefix ?? '';
  const replicationFactor = options.replicationFactor ?? 1;
  const minIsr = options.minInsyncReplicas ?? (replicationFactor > 1 ? 2 : 1);
  const seen = new Set<string>();
  return ALL_TOPIC_DEFS.map((def) => {
    if (seen.has(def.name)) throw new Error(`topics/: topic ${def.name} is defined twice`);
    seen.add(def.name);
    const shared = def.shared ? options.sharedNames?.[def.name] : undefined;
    const name = shared ?? prefix + def.name;
    const configs: Record<string, string> = {
      'cleanup.policy': def.cleanupPolicy,
      'min.insync.replicas': String(minIsr),
      ...(def.retentionMs !== undefined ? { 'retention.ms': String(def.retentionMs) } : {}),
      ...(def.name.startsWith(DOCUMENT_TOPIC_PREFIX)
        ? { 'max.message.bytes': String(def.name === INPUT_TOPIC ? INPUT_MAX_MESSAGE_BYTES : DOCUMENT_MAX_MESSAGE_BYTES) }
        : {}),
      ...def.configs,
    };
    return {
      name,
      baseName: def.name,
      description: def.description,
      partitions: def.partitions,
      replicationFactor,
      configs,
      ...(def.value ? { value: def.value, valueSubject: valueSubject(name) } : {}),
    };
  });
}
