import { dlqTopic } from '../src/contracts/index.js';
import { stageInputs } from '../src/dataflow/manifest.js';
import { DAY_MS, type TopicDef } from './types.js';

/**
 * Which stage consumes which topic, from the dataflow manifest (src/dataflow/manifest.ts: the stages' own
 * declarations, the `-bands` halves of the dedup filters included): each pair gets a dead-letter topic
 * `<input>.dlq.<stage>` (src/contracts/dlq.ts). DLQ records carry the original bytes (no value subject) and the
 * reason in headers.
 */
export const STAGE_INPUTS: ReadonlyArray<{ stage: string; input: string }> = stageInputs();

export const DEAD_LETTER_TOPIC_DEFS: readonly TopicDef[] = STAGE_INPUTS.map(({ stage, input }) => ({
  name: dlqTopic(input, stage),
  description: `Records ${stage} could not process (poison, or retries exhausted), original bytes + reason headers`,
  partitions: 1,
  cleanupPolicy: 'delete' as const,
  retentionMs: 30 * DAY_MS,
}));
