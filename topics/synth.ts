import { SCENARIOS, VerifiedMathSample, syntheticSampleSchema } from '../src/contracts/index.js';
import { FOREVER, type TopicDef } from './types.js';

/** One output topic per synthesis scenario: `synth.<scenario>`, the product, kept forever. */
export const SYNTH_TOPIC_DEFS: readonly TopicDef[] = SCENARIOS.map((scenario) => ({
  name: `synth.${scenario}`,
  description: `Synthetic ${scenario} samples, one per persona (keyed by sample id), from synthesize-${scenario}`,
  partitions: 3,
  cleanupPolicy: 'delete' as const,
  retentionMs: FOREVER,
  value: { schemaName: `synth-${scenario}`, schema: syntheticSampleSchema(scenario) },
}));

/** Math samples verify-math checked by solving them k times (synth.math → synth.math.verified), kept forever. */
export const VERIFIED_TOPIC_DEFS: readonly TopicDef[] = [
  {
    name: 'synth.math.verified',
    description: 'Math samples whose k independent solutions agreed and matched the stated solution (keyed by sample id), from verify-math',
    partitions: 3,
    cleanupPolicy: 'delete' as const,
    retentionMs: FOREVER,
    value: { schemaName: 'synth-math-verified', schema: VerifiedMathSample },
  },
];
