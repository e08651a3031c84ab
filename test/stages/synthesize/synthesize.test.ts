import { describe, expect, it } from 'vitest';
import { Config } from '../../../src/config/schema.js';
import type { Persona } from '../../../src/contracts/persona.js';
import { SCENARIOS, type ScenarioName } from '../../../src/contracts/scenarios.js';
import { syntheticSampleSchema } from '../../../src/contracts/synthetic.js';
import { personaId } from '../../../src/dedup/index.js';
import type { StructuredRequest } from '../../../src/llm/types.js';
import { SCENARIO_TABLE } from '../../../src/stages/synthesize/scenarios.js';
import { createSynthesizeStage, createSynthesizeStages, sampleId, sampled } from '../../../src/stages/synthesize/process.js';
import { renderTemplate, templateParams } from '../../../src/stages/synthesize/template.js';
import { ctx, fakeLlm, lastUser, outputsOf, silentLogger, systemText } from '../fake-llm.js';

const personaText = 'A ferry engineer who keeps forty-year-old diesel engines running on a northern island route';
const persona: Persona = {
  id: personaId(personaText),
  text: personaText,
  hop: 2,
  perspective: 'relation',
  relation: 'colleague',
  parentId: 'parent-1',
  rootDocId: 'doc-3',
  rootUrl: 'https://example.org/ferries',
  budget: 0,
  provenance: {
    stage: 'expand', model: 'm', simulated: true, promptId: 'x', promptVersion: '1', params: {},
    usage: { inputTokens: 1, outputTokens: 1 }, createdAt: '2026-01-01T00:00:00Z',
  },
};

/** A schema-valid reply per scenario: the first example of its row in the table. */
const exampleReply = (scenario: ScenarioName) => SCENARIO_TABLE[scenario].examples[0]!.output;

function build(scenario: ScenarioName, sc: Record<string, unknown> = {}) {
  const llm = fakeLlm(() => exampleReply(scenario));
  const config = Config.parse({ stages: { synthesize: { scenarios: { [scenario]: sc } } } });
  return { stage: createSynthesizeStage(scenario, config.stages.synthesize.scenarios[scenario], { llm: llm.client, logger: silentLogger }), llm };
}

describe('scenario table', () => {
  it.each(SCENARIOS)('%s: every example satisfies the output schema and the template renders', (s) => {
    const row = SCENARIO_TABLE[s];
    expect(row.name).toBe(s);
    expect(row.examples.length).toBeGreaterThan(0);
    for (const ex of row.examples) expect(() => syntheticSampleSchema(s).shape.output.parse(ex.output)).not.toThrow();
    const text = renderTemplate(row.template, row.params);
    expect(text).not.toMatch(/\{\{/);
    for (const name of templateParams(row.template)) expect(row.params).toHaveProperty(name);
  });

  it('template sections switch on booleans and unknown parameters are rejected', () => {
    expect(renderTemplate('a{{#x}}B{{/x}}{{^x}}C{{/x}} {{y}}', { x: false, y: 3 })).toBe('aC 3');
    expect(renderTemplate('a{{#x}}B{{/x}}{{^x}}C{{/x}}', { x: true })).toBe('aB');
    expect(() => renderTemplate('{{missing}}', {})).toThrow(/missing/);
    expect(() => build('math', { params: { nope: 1 } })).toThrow(/unknown template parameter/);
  });
});

describe('synthesize', () => {
  it.each(SCENARIOS)('%s: one schema-valid sample on synth.%s with provenance and lineage', async (s) => {
    const { stage } = build(s);
    expect(stage.name).toBe(`synthesize-${s}`);
    expect(stage.input.topic).toBe('personas.unique');
    const out = outputsOf(await stage.process(persona, ctx()));
    expect(out).toHaveLength(1);
    const sample = syntheticSampleSchema(s).parse(out[0]!.value);
    expect(out[0]!.topic).toBe(`synth.${s}`);
    expect(out[0]!.key).toBe(sample.id);
    expect(sample.id).toBe(sampleId(persona.id, s, SCENARIO_TABLE[s].version));
    expect(sample.lineage).toEqual({
      rootDocId: 'doc-3', rootUrl: persona.rootUrl, personaHop: 2, personaParentId: 'parent-1', personaRelation: 'colleague',
    });
    expect(sample.provenance).toMatchObject({ stage: `synthesize-${s}`, promptVersion: SCENARIO_TABLE[s].version, simulated: true });
    expect(sample.provenance.promptId).toBe(`synthesize.${s}.persona-few-shot`);
  });

  const modes = (req: StructuredRequest<unknown>) => ({
    turns: req.messages.map((m) => m.role).join(','),
    system: systemText(req),
    last: lastUser(req),
  });

  it('zero-shot, few-shot and persona-few-shot build different prompts; the persona is only in user turns', async () => {
    const seen: Record<string, ReturnType<typeof modes>> = {};
    for (const mode of ['zero-shot', 'few-shot', 'persona-few-shot'] as const) {
      const { stage, llm } = build('instruction', { mode, examples: 2 });
      await stage.process(persona, ctx());
      seen[mode] = modes(llm.requests[0]!);
      expect(seen[mode].system).not.toContain(personaText);
      expect(seen[mode].last).toContain(personaText);
    }
    const ex = SCENARIO_TABLE.instruction.examples;
    expect(seen['zero-shot']!.turns).toBe('system,user');
    expect(seen['zero-shot']!.system).not.toContain(ex[0]!.output.instruction);
    expect(seen['few-shot']!.turns).toBe('system,user');
    expect(seen['few-shot']!.system).toContain(ex[0]!.output.instruction);
    expect(seen['few-shot']!.system).not.toContain(ex[0]!.persona);
    expect(seen['persona-few-shot']!.turns).toBe('system,user');
    expect(seen['persona-few-shot']!.system).toContain(ex[0]!.persona);
    expect(seen['persona-few-shot']!.system).toContain(ex[1]!.output.instruction);
  });

  it('template parameters from config reach the prompt (math without solutions)', async () => {
    const { stage, llm } = build('math', { params: { withSolution: false } });
    await stage.process(persona, ctx());
    expect(systemText(llm.requests[0]!)).toContain('Set "solution" to null');
  });

  it('samples deterministically by persona id, close to the configured rate', async () => {
    const ids = Array.from({ length: 2000 }, (_, i) => personaId(`persona number ${i}`));
    const inMath = ids.filter((id) => sampled(id, 'math', 0.25));
    expect(inMath.length / ids.length).toBeGreaterThan(0.2);
    expect(inMath.length / ids.length).toBeLessThan(0.3);
    expect(ids.filter((id) => sampled(id, 'math', 0.25))).toEqual(inMath);
    // Different scenarios draw independent samples.
    expect(ids.filter((id) => sampled(id, 'npc', 0.25))).not.toEqual(inMath);
    expect(ids.every((id) => sampled(id, 'math', 1))).toBe(true);
    expect(ids.some((id) => sampled(id, 'math', 0))).toBe(false);

    const { stage, llm } = build('npc', { samplingRate: 0 });
    expect(await stage.process(persona, ctx())).toEqual({ filtered: 'sampled_out' });
    expect(llm.requests).toHaveLength(0);
  });

  it('disabled scenarios are not started by createSynthesizeStages', () => {
    const config = Config.parse({ stages: { synthesize: { scenarios: { npc: { enabled: false } } } } });
    const names = createSynthesizeStages(config.stages.synthesize, { llm: fakeLlm(() => ({})).client, logger: silentLogger }).map((s) => s.name);
    expect(names).toEqual(SCENARIOS.filter((s) => s !== 'npc').map((s) => `synthesize-${s}`));
  });
});
