import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Config } from '../../../src/config/schema.js';
import type { SyntheticSample } from '../../../src/contracts/synthetic.js';
import { VerifiedMathSample } from '../../../src/contracts/verified.js';
import { createMetrics } from '../../../src/metrics/catalogue.js';
import type { StructuredRequest } from '../../../src/llm/types.js';
import { createVerifyMathStage } from '../../../src/stages/verify-math/process.js';
import { PROBLEM_BEGIN, PROBLEM_END } from '../../../src/stages/verify-math/prompt.js';
import { VerifyMathConfig } from '../../../src/stages/verify-math/spec.js';
import { ctx, fakeLlm, lastUser, silentLogger, systemText } from '../fake-llm.js';

const sample = (solution: string | null, hop = 1): SyntheticSample<'math'> => ({
  id: 'sample-1',
  scenario: 'math',
  personaId: 'p-1',
  persona: 'A baker who scales recipes for weddings',
  mode: 'persona-few-shot',
  output: { problem: 'A recipe for 8 needs 3 eggs. How many eggs for 40 guests?', solution },
  provenance: {
    stage: 'synthesize-math', model: 'm', simulated: true, promptId: 'x', promptVersion: '1', params: {},
    usage: { inputTokens: 1, outputTokens: 1 }, createdAt: '2026-01-01T00:00:00Z',
  },
  lineage: { rootDocId: 'd', rootUrl: 'https://example.org/', personaHop: hop, personaParentId: null, personaRelation: null },
});

/** A stage whose fake LLM answers attempt i (its seed) with answers[i]. */
function build(answers: string[], cfg: Partial<VerifyMathConfig> = {}) {
  const llm = fakeLlm((req: StructuredRequest<unknown>) => ({ work: 'worked', final_answer: answers[req.params?.seed ?? 0] }));
  const metrics = createMetrics(new Registry());
  const config = Config.parse({ stages: { verifyMath: cfg } }).stages.verifyMath;
  return { stage: createVerifyMathStage(config, { llm: llm.client, logger: silentLogger, metrics }), llm, metrics };
}

const outcomes = async (metrics: ReturnType<typeof createMetrics>) =>
  Object.fromEntries((await metrics.mathVerifications.get()).values.map((v) => [`${v.labels.outcome}@${v.labels.hop}`, v.value]));

describe('verify-math', () => {
  it('publishes a problem whose attempts agree with each other and the stated solution, with its verification', async () => {
    const { stage, llm, metrics } = build(['15', '15 eggs', '14']);
    const result = await stage.process(sample('40 / 8 = 5 batches, 5 * 3 = 15. Answer: 15.'), ctx());
    expect(Array.isArray(result)).toBe(true);
    const [out] = result as Array<{ topic: string; key: string; value: unknown }>;
    expect(out!.topic).toBe('synth.math.verified');
    expect(out!.key).toBe('sample-1');
    const v = VerifiedMathSample.parse(out!.value);
    expect(v.output.problem).toContain('eggs');
    expect(v.verification).toMatchObject({ attempts: 3, agreeing: 2, answers: ['15', '15 eggs', '14'], answer: '15', statedAnswer: '15' });
    expect(v.verification.usage).toEqual({ inputTokens: 300, outputTokens: 60 });
    // k independent calls: distinct seeds, the problem fenced in the user turn, the solution never shown.
    expect(llm.requests.map((r) => r.params?.seed)).toEqual([0, 1, 2]);
    for (const r of llm.requests) {
      expect(lastUser(r)).toBe(`${PROBLEM_BEGIN}\nA recipe for 8 needs 3 eggs. How many eggs for 40 guests?\n${PROBLEM_END}`);
      expect(systemText(r) + lastUser(r)).not.toContain('Answer: 15');
    }
    expect(await outcomes(metrics)).toEqual({ 'verified@1': 1 });
  });

  it('filters answers_disagree when fewer than minAgree attempts agree', async () => {
    const { stage, metrics } = build(['15', '16', '17']);
    expect(await stage.process(sample('Answer: 15.', 0), ctx())).toEqual({ filtered: 'answers_disagree' });
    expect(await outcomes(metrics)).toEqual({ 'disagree@0': 1 });
  });

  it('filters solution_mismatch when the attempts agree on another answer than the stated one', async () => {
    const { stage, metrics } = build(['16', '16', '16']);
    expect(await stage.process(sample('So 15 eggs.', 2), ctx())).toEqual({ filtered: 'solution_mismatch' });
    expect(await outcomes(metrics)).toEqual({ 'mismatch@2': 1 });
  });

  it('without a stated solution (or with requireSolutionMatch off) agreement alone decides', async () => {
    expect(Array.isArray(await build(['16', '16', '1']).stage.process(sample(null), ctx()))).toBe(true);
    expect(Array.isArray(await build(['16', '16', '1'], { requireSolutionMatch: false }).stage.process(sample('Answer: 15'), ctx()))).toBe(true);
  });

  it('k and minAgree come from config; minAgree must be a strict majority', async () => {
    const { stage, llm } = build(['15', '15', '15', '15', '1'], { attempts: 5, minAgree: 4 });
    expect(Array.isArray(await stage.process(sample('Answer: 15'), ctx()))).toBe(true);
    expect(llm.requests).toHaveLength(5);
    expect(await build(['15', '15', '1'], { minAgree: 3 }).stage.process(sample('Answer: 15'), ctx())).toEqual({ filtered: 'answers_disagree' });
    expect(() => VerifyMathConfig.parse({ attempts: 4, minAgree: 2 })).toThrow(/more than half/);
    expect(() => VerifyMathConfig.parse({ attempts: 3, minAgree: 4 })).toThrow(/<= attempts/);
  });
});
