import { z } from 'zod';
import { Provenance } from './provenance.js';
import { SCENARIO_OUTPUTS, type ScenarioName } from './scenarios.js';

/** Lineage of a synthetic sample back to the document its persona came from. */
export const Lineage = z.object({
  rootDocId: z.string(),
  rootUrl: z.string(),
  personaHop: z.number().int().min(0),
  personaParentId: z.string().nullable(),
  personaRelation: z.string().nullable(),
});

/** A record on `synth.<scenario>`; `id` = stable hash of personaId + scenario + promptVersion. */
export function syntheticSampleSchema<S extends ScenarioName>(scenario: S) {
  return z.object({
    id: z.string().min(1),
    scenario: z.literal(scenario),
    personaId: z.string(),
    persona: z.string(),
    mode: z.enum(['zero-shot', 'few-shot', 'persona-few-shot']),
    output: SCENARIO_OUTPUTS[scenario],
    provenance: Provenance,
    lineage: Lineage,
  });
}
export type SyntheticSample<S extends ScenarioName = ScenarioName> = z.infer<ReturnType<typeof syntheticSampleSchema<S>>>;
