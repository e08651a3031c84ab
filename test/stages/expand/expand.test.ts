import { describe, expect, it } from 'vitest';
import { Config } from '../../../src/config/schema.js';
import { Persona } from '../../../src/contracts/persona.js';
import { personaId } from '../../../src/dedup/index.js';
import { childBudgets, hop0Budget, splitEvenly } from '../../../src/stages/expand/budget.js';
import { createExpandStage } from '../../../src/stages/expand/process.js';
import type { StructuredRequest } from '../../../src/llm/types.js';
import { ctx, fakeLlm, lastUser, outputsOf, silentLogger, systemText } from '../fake-llm.js';

const parentText = 'A paediatric nurse in a rural clinic who runs vaccination days';
const parent: Persona = {
  id: personaId(parentText),
  text: parentText,
  hop: 1,
  perspective: 'relation',
  relation: 'colleague',
  parentId: 'p0',
  rootDocId: 'doc-7',
  rootUrl: 'https://example.org/clinic',
  budget: 10,
  provenance: {
    stage: 'expand', model: 'm', simulated: true, promptId: 'x', promptVersion: '1', params: {},
    usage: { inputTokens: 1, outputTokens: 1 }, createdAt: '2026-01-01T00:00:00Z',
  },
};

/** Replies with `n` distinct related personas, n = the count the prompt asks for (read back from the text). */
const related = (req: StructuredRequest<unknown>) => {
  const n = Number(/exactly (\d+) related/.exec(systemText(req))?.[1] ?? 1);
  return {
    related: Array.from({ length: n + 1 }, (_, i) => ({
      relation: i % 2 ? 'Patient' : 'supplier',
      persona: `Related person number ${i} of ${lastUser(req).length}`,
    })),
  };
};

function build(expand: Record<string, unknown> = {}) {
  const llm = fakeLlm(related);
  const stage = createExpandStage(Config.parse({ stages: { expand } }).stages.expand, { llm: llm.client, logger: silentLogger });
  return { stage, llm };
}

describe('expand budget', () => {
  it('splits evenly, larger shares first', () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3]);
    expect(splitEvenly(0, 2)).toEqual([0, 0]);
    expect(splitEvenly(-5, 2)).toEqual([0, 0]);
    expect(hop0Budget(10, 4)).toEqual([2, 2, 1, 1]);
    expect(childBudgets(10, 3)).toEqual([3, 2, 2]);
    expect(childBudgets(2, 3)).toEqual([0, 0]);
    expect(childBudgets(0, 3)).toEqual([]);
  });

  // The invariant that makes the budget a bound: a full tree never has more nodes than the document budget.
  it.each([
    [1, 3, 6, 4],
    [60, 3, 6, 4],
    [100, 5, 6, 2],
    [1000, 16, 6, 3],
    [7, 1, 100, 1],
  ])('a document with budget %i (fanOut %i, maxHops %i, %i hop-0) never exceeds it', (perDoc, fanOut, maxHops, n) => {
    let count = 0;
    const grow = (budget: number, hop: number) => {
      count++;
      if (hop >= maxHops) return;
      for (const b of childBudgets(budget, fanOut)) grow(b, hop + 1);
    };
    for (const b of hop0Budget(perDoc, n)) grow(b, 0);
    expect(count).toBeLessThanOrEqual(Math.max(perDoc, n));
    // ...and the budget is actually used when hops allow it.
    if (maxHops >= 6 && perDoc >= n) expect(count).toBe(perDoc);
  });
});

describe('expand (Persona-to-Persona)', () => {
  it('writes up to fanOut related personas at hop + 1 with relation, parent and root carried along', async () => {
    const { stage, llm } = build({ fanOut: 3 });
    const out = outputsOf(await stage.process(parent, ctx()));
    expect(out).toHaveLength(3);
    expect(out.map((o) => (o.value as Persona).budget)).toEqual([3, 2, 2]);
    for (const o of out) {
      const p = Persona.parse(o.value);
      expect(o.topic).toBe('personas.candidates');
      expect(o.key).toBe(p.id);
      expect(p).toMatchObject({ hop: 2, parentId: parent.id, rootDocId: 'doc-7', rootUrl: parent.rootUrl, perspective: 'relation' });
      expect(['supplier', 'patient']).toContain(p.relation);
      expect(p.provenance.stage).toBe('expand');
    }
    expect(lastUser(llm.requests[0]!)).toContain(parentText);
    expect(systemText(llm.requests[0]!)).not.toContain(parentText);
  });

  it('stops at maxHops and when the budget is spent, without calling the LLM', async () => {
    const { stage, llm } = build({ maxHops: 1 });
    expect(await stage.process(parent, ctx())).toEqual({ filtered: 'max_hop' });
    const b = build({ maxHops: 6 });
    expect(await b.stage.process({ ...parent, budget: 0 }, ctx())).toEqual({ filtered: 'budget_exhausted' });
    expect(llm.requests.length + b.llm.requests.length).toBe(0);
  });

  it('asks for fewer children when the budget is smaller than fanOut', async () => {
    const { stage } = build({ fanOut: 5 });
    const out = outputsOf(await stage.process({ ...parent, budget: 2 }, ctx()));
    expect(out.map((o) => (o.value as Persona).budget)).toEqual([0, 0]);
  });

  it('drops a child identical to its parent', async () => {
    const llm = fakeLlm(() => ({ related: [{ relation: 'twin', persona: parentText.toUpperCase() }, { relation: 'peer', persona: 'A clinic receptionist' }] }));
    const stage = createExpandStage(Config.parse({}).stages.expand, { llm: llm.client, logger: silentLogger });
    const out = outputsOf(await stage.process(parent, ctx()));
    expect(out.map((o) => (o.value as Persona).text)).toEqual(['A clinic receptionist']);
  });

  it('a single word is not a related persona: the request carries a check that names it, for the client to re-ask', async () => {
    const llm = fakeLlm(() => ({ related: [{ relation: 'peer', persona: 'A clinic receptionist' }] }));
    const stage = createExpandStage(Config.parse({}).stages.expand, { llm: llm.client, logger: silentLogger });
    await stage.process(parent, ctx());
    const check = llm.requests[0]!.check!;
    expect(check({ related: [{ relation: 'peer', persona: 'A clinic receptionist' }, { relation: 'friend', persona: ' jane ' }] })).toMatch(
      /^related\.1\.persona is a single word \("jane"\)/,
    );
    expect(check({ related: [{ relation: 'peer', persona: 'A receptionist' }] })).toBeUndefined();
  });
});
