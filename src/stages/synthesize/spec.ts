import { z } from 'zod';
import { SCENARIOS, type ScenarioName } from '../../contracts/scenarios.js';
import { RoutingConfig } from './routing.js';

export const SYNTH_MODES = ['zero-shot', 'few-shot', 'persona-few-shot'] as const;
export type SynthMode = (typeof SYNTH_MODES)[number];

/**
 * One scenario's settings. `params` override the template parameters of the scenario's row in scenarios.ts
 * (e.g. math.params.withSolution=false); unknown names are rejected at start-up.
 */
export const ScenarioConfig = z
  .object({
    enabled: z.boolean().default(true).describe('false: `run all` does not start this scenario'),
    samplingRate: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe('Fraction of unique personas synthesised; decided by a hash of persona id + scenario, so replays agree'),
    mode: z
      .enum(SYNTH_MODES)
      .default('persona-few-shot')
      .describe('zero-shot: task only; few-shot: plus example outputs; persona-few-shot: examples paired with their personas'),
    examples: z.number().int().min(0).default(2).describe('Examples shown in the few-shot modes (at most those in the table)'),
    params: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .describe('Template parameters of the scenario (e.g. math: withSolution, difficulty); unknown names fail at start-up'),
    routing: RoutingConfig.nullable()
      .default(null)
      .describe('Routing filter on persona attributes, e.g. {match: {domain: [math, finance]}}; null = every persona (see routing.ts)'),
  })
  .default({ enabled: true, samplingRate: 1, mode: 'persona-few-shot', examples: 2, params: {}, routing: null });
export type ScenarioConfig = z.infer<typeof ScenarioConfig>;

const scenarioShape = Object.fromEntries(SCENARIOS.map((s) => [s, ScenarioConfig])) as {
  [S in ScenarioName]: typeof ScenarioConfig;
};
const scenarioDefaults = Object.fromEntries(SCENARIOS.map((s) => [s, ScenarioConfig.parse(undefined)])) as {
  [S in ScenarioName]: ScenarioConfig;
};

export const SynthesizeConfig = z
  .object({ scenarios: z.object(scenarioShape).default(scenarioDefaults) })
  .default({ scenarios: scenarioDefaults });
export type SynthesizeConfig = z.infer<typeof SynthesizeConfig>;
