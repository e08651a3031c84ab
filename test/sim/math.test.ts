import { describe, expect, it } from 'vitest';
import { chatContent } from '../../src/sim/chat.js';
import { MathSimOptions, attemptAnswer, mathClass, simulatedAnswer, unfence } from '../../src/sim/math.js';
import { SOLUTION_SCHEMA_NAME, solveMessages } from '../../src/stages/verify-math/prompt.js';
import { statedAnswer } from '../../src/stages/verify-math/answer.js';
import { toJsonSchema } from '../../src/registry/json-schemas.js';
import { MathOutput } from '../../src/contracts/scenarios.js';
import { MathSolution } from '../../src/contracts/verified.js';

const problems = Array.from({ length: 4000 }, (_, i) => `Problem ${i}: how many crates of ${i % 17} apples fit on ${i % 5} pallets?`);

describe('simulator: math solving (SIMULATOR, not a model)', () => {
  it('classes problems by a hash of their text in the configured shares', () => {
    const o = MathSimOptions.parse({ disagreeShare: 0.2, splitShare: 0.1, wrongShare: 0.1 });
    const counts: Record<string, number> = {};
    for (const p of problems) counts[mathClass(p, o)] = (counts[mathClass(p, o)] ?? 0) + 1;
    expect(counts.disagree! / problems.length).toBeCloseTo(0.2, 1);
    expect(counts.split! / problems.length).toBeCloseTo(0.1, 1);
    expect(counts.wrong! / problems.length).toBeCloseTo(0.1, 1);
    expect(counts.agree! / problems.length).toBeCloseTo(0.6, 1);
    // Deterministic and independent of the other problems.
    expect(mathClass(problems[7]!, o)).toBe(mathClass(problems[7]!, o));
    expect(Object.keys(counts).length).toBe(4);
    expect(() => MathSimOptions.parse({ disagreeShare: 0.8, wrongShare: 0.3 })).toThrow(/more than 1/);
  });

  it('attempt answers follow the class: agree, split (seed 0 off), disagree (all differ), wrong (agree elsewhere)', () => {
    const o = MathSimOptions.parse({ disagreeShare: 0.25, splitShare: 0.25, wrongShare: 0.25 });
    const of = (cls: string) => problems.find((p) => mathClass(p, o) === cls)!;
    const answers = (p: string) => [0, 1, 2].map((s) => attemptAnswer(p, s, o));
    const t = (p: string) => String(simulatedAnswer(p));
    expect(answers(of('agree'))).toEqual([t(of('agree')), t(of('agree')), t(of('agree'))]);
    expect(answers(of('split')).slice(1)).toEqual([t(of('split')), t(of('split'))]);
    expect(answers(of('split'))[0]).not.toBe(t(of('split')));
    expect(new Set(answers(of('disagree'))).size).toBe(3);
    expect(new Set(answers(of('wrong')))).toEqual(new Set([String(simulatedAnswer(of('wrong')) + 100)]));
  });

  it('chat replies: a math sample states the true answer, a solving call answers from the fenced problem', () => {
    const o = MathSimOptions.parse({ disagreeShare: 1 });
    const sampleReply = chatContent(
      { messages: [{ role: 'user', content: 'a ferry engineer' }], response_format: { type: 'json_schema', json_schema: { name: 'math_sample', schema: toJsonSchema('m', MathOutput) } } },
      1,
      undefined,
      o,
    );
    const sample = JSON.parse(sampleReply.content) as { problem: string; solution: string };
    expect(statedAnswer(sample.solution)).toBe(String(simulatedAnswer(sample.problem)));
    const solve = (seed: number) =>
      JSON.parse(
        chatContent(
          { seed, messages: solveMessages(sample.problem), response_format: { type: 'json_schema', json_schema: { name: SOLUTION_SCHEMA_NAME, schema: toJsonSchema('s', MathSolution) } } },
          1,
          undefined,
          o,
        ).content,
      ) as { final_answer: string };
    expect([0, 1, 2].map((s) => solve(s).final_answer)).toEqual([0, 1, 2].map((s) => attemptAnswer(sample.problem, s, o)));
    expect(unfence(solveMessages(sample.problem)[1]!.content)).toBe(sample.problem);
  });
});

describe('simulator: persona attributes (SIMULATOR, not a model)', () => {
  it('extract replies carry attributes consistent with each persona text; region/language only sometimes', async () => {
    const { extractReplySchema } = await import('../../src/stages/extract/prompt.js');
    const { Config } = await import('../../src/config/schema.js');
    const { strictJsonSchema } = await import('../../src/llm/strict-schema.js');
    const schema = strictJsonSchema(extractReplySchema(Config.parse({}).stages.extract)).jsonSchema;
    let withRegion = 0;
    let total = 0;
    for (let i = 0; i < 30; i++) {
      const reply = chatContent({ messages: [{ role: 'user', content: `Ledger${i} bookkeeping for harbour${i} shops and tide tables` }], response_format: { type: 'json_schema', json_schema: { name: 'personas', schema } } }, 1);
      for (const p of (JSON.parse(reply.content) as { personas: Array<{ persona: string; attributes: Record<string, unknown> }> }).personas) {
        total++;
        const role = /^An? (.+?) who /.exec(p.persona)![1];
        expect(p.attributes.occupation).toBe(role);
        expect(typeof p.attributes.domain).toBe('string');
        expect(['novice', 'intermediate', 'expert']).toContain(p.attributes.expertise);
        if (p.attributes.region !== null) withRegion++;
      }
    }
    expect(withRegion).toBeGreaterThan(0);
    expect(withRegion).toBeLessThan(total);
  });
});
