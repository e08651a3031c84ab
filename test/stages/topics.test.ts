import { describe, expect, it } from 'vitest';
import { ALL_TOPIC_DEFS, STAGE_INPUTS } from '../../topics/index.js';
import { Config } from '../../src/config/schema.js';
import { SCENARIOS } from '../../src/contracts/scenarios.js';
import type { LlmClient } from '../../src/llm/types.js';
import { createExpandStage } from '../../src/stages/expand/process.js';
import { createExtractStage, extractStageConfig } from '../../src/stages/extract/process.js';
import { createSynthesizeStages } from '../../src/stages/synthesize/process.js';
import { DATAFLOW_TOPICS } from '../../src/stages/topics.js';
import { silentLogger } from './fake-llm.js';

/** The stages' topic names must be the ones topics/ declares, or `topics apply` would not create what they use. */
describe('dataflow stages and topics/', () => {
  const config = Config.parse({});
  const deps = { llm: {} as LlmClient, logger: silentLogger };
  const stages = [createExtractStage(extractStageConfig(config), deps), createExpandStage(config.stages.expand, deps), ...createSynthesizeStages(config.stages.synthesize, deps)];
  const declared = new Set(ALL_TOPIC_DEFS.map((t) => t.name));

  it('every topic a stage reads or writes is declared, with a value contract', () => {
    for (const name of Object.values(DATAFLOW_TOPICS)) expect(declared, name).toContain(name);
    for (const s of stages) {
      for (const t of [s.input.topic, ...Object.keys(s.outputs)]) {
        expect(ALL_TOPIC_DEFS.find((d) => d.name === t)?.value, `${s.name}: ${t}`).toBeDefined();
      }
    }
  });

  it('every stage has its dead-letter topic (the stage/input pair is in topics/dead-letters.ts)', () => {
    expect(stages.map((s) => s.name)).toEqual(['extract', 'expand', ...SCENARIOS.map((x) => `synthesize-${x}`)]);
    for (const s of stages) expect(STAGE_INPUTS, s.name).toContainEqual({ stage: s.name, input: s.input.topic });
  });
});
