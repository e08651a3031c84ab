import { gateOf } from '../gate.js';
import type { z } from 'zod';
import { filtered, type Stage, type StageDeps } from '../../runtime/stage.js';
import type { ScenarioConfig, SynthesizeConfig } from './spec.js';
import { Persona } from '../../contracts/persona.js';
import { SCENARIOS, SCENARIO_OUTPUTS, type ScenarioName } from '../../contracts/scenarios.js';
import { syntheticSampleSchema, type SyntheticSample } from '../../contracts/synthetic.js';
import { stableId, unitInterval } from '../hash.js';
import { DATAFLOW_TOPICS, synthTopic } from '../topics.js';
import { SCENARIO_TABLE } from './scenarios.js';
import { routes } from './routing.js';
import type { ScenarioDiversity } from '../diversity/observe.js';
import { scenarioParams, synthPrompt, synthPromptId } from './prompt.js';

export const synthStageName = (scenario: ScenarioName) => `synthesize-${scenario}`;

/** Deterministic sampling: the same persona is in or out of a scenario's sample on every replay and replica. */
export const sampled = (personaId: string, scenario: ScenarioName, rate: number) =>
  rate >= 1 || (rate > 0 && unitInterval(personaId, scenario) < rate);

/** The sample id: stable over replays, so a re-synthesised persona overwrites rather than duplicates downstream. */
export const sampleId = (personaId: string, scenario: ScenarioName, promptVersion: string) =>
  stableId(personaId, scenario, promptVersion);

/**
 * One synthesis stage per scenario (its own consumer group `synthesize-<scenario>` on personas.unique), all built
 * by this one function from the scenario's row in the table: no scenario has a code path of its own.
 */
export function createSynthesizeStage<S extends ScenarioName>(
  scenario: S,
  cfg: ScenarioConfig,
  deps: StageDeps & { diversity?: ScenarioDiversity },
): Stage<Persona> {
  const spec = SCENARIO_TABLE[scenario];
  const name = synthStageName(scenario);
  const out = synthTopic(scenario);
  const outSchema = syntheticSampleSchema(scenario);
  const promptId = synthPromptId(spec, cfg);
  // Validate template parameters at construction, so a bad config fails at start-up rather than per record.
  const templateParams = scenarioParams(spec, cfg.params);
  const messagesFor = synthPrompt(scenario, cfg);
  return {
    name,
    input: { topic: DATAFLOW_TOPICS.unique, schema: Persona },
    outputs: { [out]: outSchema },
    ordering: 'unordered',
    ...gateOf(deps, name, scenario),
    async process(persona, ctx) {
      if (!cfg.enabled || !sampled(persona.id, scenario, cfg.samplingRate)) return filtered('sampled_out');
      if (!routes(persona, cfg.routing)) return filtered('routed_out');
      const res = await deps.llm.complete({
        stage: name,
        scenario,
        messages: messagesFor(persona.text),
        schema: SCENARIO_OUTPUTS[scenario] as z.ZodType<SyntheticSample['output']>,
        schemaName: `${scenario}_sample`,
        signal: ctx.signal,
      });
      const sample: SyntheticSample = {
        id: sampleId(persona.id, scenario, spec.version),
        scenario,
        personaId: persona.id,
        persona: persona.text,
        mode: cfg.mode,
        output: res.value,
        provenance: {
          stage: name,
          model: res.model,
          simulated: res.simulated,
          promptId,
          promptVersion: spec.version,
          params: { ...res.params, ...templateParams, mode: cfg.mode, samplingRate: cfg.samplingRate },
          usage: res.usage,
          createdAt: new Date().toISOString(),
          ...(res.cache ? { cache: res.cache } : {}),
        },
        lineage: {
          rootDocId: persona.rootDocId,
          rootUrl: persona.rootUrl,
          personaHop: persona.hop,
          personaParentId: persona.parentId ?? null,
          personaRelation: persona.relation ?? null,
        },
      };
      deps.diversity?.observe(res.value, { fromCache: res.cache?.hit === true });
      return [{ topic: out, key: sample.id, value: sample }];
    },
  };
}

/** The synthesis stages of every enabled scenario. */
export function createSynthesizeStages(cfg: SynthesizeConfig, deps: StageDeps): Stage<Persona>[] {
  return SCENARIOS.filter((s) => cfg.scenarios[s].enabled).map((s) => createSynthesizeStage(s, cfg.scenarios[s], deps));
}
