import { SCENARIOS, dlqTopic } from '../src/contracts/index.js';
import { DAY_MS, type TopicDef } from './types.js';

/**
 * Which stage consumes which topic: each pair gets a dead-letter topic `<input>.dlq.<stage>` (src/contracts/dlq.ts).
 * A new stage adds its pair here. DLQ records carry the original bytes (no value subject) and the reason in headers.
 */
export const STAGE_INPUTS: ReadonlyArray<{ stage: string; input: string }> = [
  { stage: 'pagefilter', input: 'web.documents' },
  { stage: 'extract', input: 'web.documents.unique' },
  { stage: 'dedup', input: 'personas.candidates' },
  { stage: 'expand', input: 'personas.unique' },
  ...SCENARIOS.map((scenario) => ({ stage: `synthesize-${scenario}`, input: 'personas.unique' })),
];

export const DEAD_LETTER_TOPIC_DEFS: readonly TopicDef[] = STAGE_INPUTS.map(({ stage, input }) => ({
  name: dlqTopic(input, stage),
  description: `Records ${stage} could not process (poison, or retries exhausted), original bytes + reason headers`,
  partitions: 1,
  cleanupPolicy: 'delete' as const,
  retentionMs: 30 * DAY_MS,
}));
