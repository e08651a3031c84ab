import { describe, expect, it } from 'vitest';
import { Config } from '../../../src/config/schema.js';
import type { Persona } from '../../../src/contracts/persona.js';
import { createSynthesizeStage } from '../../../src/stages/synthesize/process.js';
import { RoutingConfig, routes } from '../../../src/stages/synthesize/routing.js';
import { SCENARIO_TABLE } from '../../../src/stages/synthesize/scenarios.js';
import { ctx, fakeLlm, silentLogger } from '../fake-llm.js';

const quantities = RoutingConfig.parse({ match: { domain: ['statistic', 'financ', 'engineer'] } });

describe('scenario routing on persona attributes', () => {
  it.each([
    [{ domain: 'Biostatistics' }, true],
    [{ domain: 'accounting and finance' }, true],
    [{ domain: 'poetry' }, false],
    [{ occupation: 'poet' }, true], // no domain: passes by default (whenMissing: pass)
    [undefined, true],
  ])('domain filter: %j → %s', (attributes, expected) => {
    expect(routes({ ...(attributes ? { attributes } : {}) }, quantities)).toBe(expected);
  });

  it('AND across attributes, OR within one; interests match any one interest; whenMissing: filter', () => {
    const r = RoutingConfig.parse({ match: { domain: ['math'], expertise: ['expert', 'intermediate'] } });
    expect(routes({ attributes: { domain: 'applied mathematics', expertise: 'expert' } }, r)).toBe(true);
    expect(routes({ attributes: { domain: 'applied mathematics', expertise: 'novice' } }, r)).toBe(false);
    const byInterest = RoutingConfig.parse({ match: { interests: ['chess'] }, whenMissing: 'filter' });
    expect(routes({ attributes: { interests: ['gardening', 'Chess openings'] } }, byInterest)).toBe(true);
    expect(routes({ attributes: { interests: ['gardening'] } }, byInterest)).toBe(false);
    expect(routes({ attributes: { domain: 'x' } }, byInterest)).toBe(false);
    expect(routes({}, byInterest)).toBe(false);
    expect(routes({}, null)).toBe(true);
  });

  it('config rejects an empty or unknown-attribute filter', () => {
    expect(() => RoutingConfig.parse({ match: {} })).toThrow(/at least one attribute/);
    expect(() => RoutingConfig.parse({ match: { hobby: ['x'] } })).toThrow();
    expect(() => RoutingConfig.parse({ match: { domain: [] } })).toThrow();
  });

  it('synthesize filters a routed-out persona as routed_out without calling the LLM', async () => {
    const llm = fakeLlm(() => SCENARIO_TABLE.math.examples[0]!.output);
    const cfg = Config.parse({ stages: { synthesize: { scenarios: { math: { routing: { match: { domain: ['financ'] } } } } } } }).stages.synthesize.scenarios.math;
    const stage = createSynthesizeStage('math', cfg, { llm: llm.client, logger: silentLogger });
    const persona = (domain: string): Persona => ({
      id: `p-${domain}`, text: `A person in ${domain}`, hop: 0, perspective: 'read', rootDocId: 'd', rootUrl: 'https://example.org/', attributes: { domain },
      provenance: { stage: 'extract', model: 'm', simulated: true, promptId: 'x', promptVersion: '3', params: {}, usage: { inputTokens: 1, outputTokens: 1 }, createdAt: '2026-01-01T00:00:00Z' },
    });
    expect(await stage.process(persona('poetry'), ctx())).toEqual({ filtered: 'routed_out' });
    expect(llm.requests).toHaveLength(0);
    expect(Array.isArray(await stage.process(persona('personal finance'), ctx()))).toBe(true);
    expect(llm.requests).toHaveLength(1);
  });
});
