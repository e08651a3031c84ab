import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { describeStageConformance } from '../runtime/conformance.js';
import { testConfig } from '../runtime/helpers.js';
import { SAMPLE_DOCUMENTS } from '../../src/cli/commands/up.js';
import { SCENARIOS } from '../../src/contracts/scenarios.js';
import type { Persona } from '../../src/contracts/persona.js';
import type { WebDocument } from '../../src/contracts/web-document.js';
import { personaId } from '../../src/dedup/index.js';
import { createLlmClient } from '../../src/llm/index.js';
import type { LlmClient } from '../../src/llm/types.js';
import { createLogger } from '../../src/logger.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createExpandStage } from '../../src/stages/expand/process.js';
import { createExtractStage, extractStageConfig } from '../../src/stages/extract/process.js';
import { createSynthesizeStage } from '../../src/stages/synthesize/process.js';

/**
 * The runtime's conformance suite for every dataflow stage, on the real broker with the real LLM client against
 * the simulator: valid input flows, bad bytes and schema-invalid input are dead-lettered, the stage keeps going and
 * commits to the end of its input.
 */
let sim: Simulator;
let llm: LlmClient;
const logger = createLogger('stage-conformance', 'error');
const config = testConfig();
config.stages.expand.maxHops = 2;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  llm = createLlmClient({ ...config.llm, endpoint: { ...config.llm.endpoint, baseUrl: sim.url } }, { logger });
});
afterAll(async () => {
  await llm?.close?.();
  await sim?.close();
});

const docs = readFileSync(SAMPLE_DOCUMENTS, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as WebDocument)
  .slice(0, 2);
const persona = (text: string, hop: number): Persona => ({
  id: personaId(text),
  text,
  hop,
  perspective: hop === 0 ? 'read' : 'relation',
  relation: hop === 0 ? null : 'colleague',
  parentId: hop === 0 ? null : 'p0',
  rootDocId: docs[0]!.id,
  rootUrl: docs[0]!.url,
  budget: 10,
  provenance: {
    stage: 'extract', model: 'm', simulated: true, promptId: 'p', promptVersion: '1', params: {},
    usage: { inputTokens: 1, outputTokens: 1 }, createdAt: '2026-01-01T00:00:00Z',
  },
});
const personas = [persona('A harbour pilot who guides container ships through a silting estuary', 0), persona('A tide-gauge technician maintaining coastal sensors', 1)];

describeStageConformance<WebDocument>('extract', () => createExtractStage(extractStageConfig(config), { llm, logger }), {
  valid: docs,
  keyOf: (d) => d.id,
  config,
  check: (out) => expect(out['personas.candidates']!.length).toBeGreaterThanOrEqual(2 * docs.length),
});

describeStageConformance<Persona>('expand', () => createExpandStage(config.stages.expand, { llm, logger }), {
  valid: personas,
  keyOf: (p) => p.id,
  config,
  check: (out) => {
    for (const p of out['personas.candidates'] as Persona[]) expect(p.hop).toBeGreaterThan(0);
  },
});

for (const scenario of SCENARIOS) {
  describeStageConformance<Persona>(`synthesize-${scenario}`, () => createSynthesizeStage(scenario, config.stages.synthesize.scenarios[scenario], { llm, logger }), {
    valid: personas,
    keyOf: (p) => p.id,
    config,
    check: (out) => expect(out[`synth.${scenario}`]).toHaveLength(2 * personas.length),
  });
}
