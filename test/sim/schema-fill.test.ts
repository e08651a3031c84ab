import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SCENARIO_OUTPUTS } from '../../src/contracts/scenarios.js';
import { strictJsonSchema } from '../../src/llm/strict-schema.js';
import { fillSchema } from '../../src/sim/schema-fill.js';
import { salientTerms } from '../../src/sim/text.js';
import { chatContent } from '../../src/sim/chat.js';

const DOC_A =
  'The river restoration project brought volunteers, ecologists and salmon back to the valley. Salmon counts rose ' +
  'after the restoration removed two dams, and the river ecologists now track spawning salmon every autumn.';
const DOC_B =
  'Quarterly tax filings for small bakeries: how bakeries deduct ovens, flour contracts and delivery vans, and ' +
  'why bakeries should keep receipts for every tax year.';

const Persona = z.object({ personas: z.array(z.object({ perspective: z.enum(['read', 'write', 'like']), persona: z.string().min(1) })).min(1).max(4) });

function reply(schema: z.ZodType, name: string, user: string, seed = 1) {
  const body = {
    messages: [{ role: 'system', content: 'instructions' }, { role: 'user', content: user }],
    response_format: { type: 'json_schema', json_schema: { name, schema: strictJsonSchema(schema).jsonSchema } },
  };
  return JSON.parse(chatContent(body, seed).content) as unknown;
}

describe('salient terms', () => {
  it('ranks frequent content words, drops stopwords, URLs and markers', () => {
    const terms = salientTerms(`Source: https://example.com/a\n<<<DOCUMENT\n${DOC_A}\nDOCUMENT>>>`);
    expect(terms.slice(0, 3)).toEqual(['salmon', 'river', 'restoration']);
    expect(terms).not.toContain('the');
    expect(terms).not.toContain('https');
    expect(terms).not.toContain('document');
  });
  it('falls back to a placeholder term for text without content words', () => {
    expect(salientTerms('the and of')).toEqual(['topic']);
  });
});

describe('schema-filled replies', () => {
  it.each(Object.entries(SCENARIO_OUTPUTS))('%s output is valid against its own zod schema', (name, schema) => {
    const value = reply(schema, name, DOC_A);
    expect(schema.safeParse(value).success).toBe(true);
  });

  it('persona replies honour enums and array bounds, and are built from the document terms', () => {
    const v = Persona.parse(reply(Persona, 'personas', DOC_A));
    expect(v.personas.length).toBeGreaterThanOrEqual(1);
    expect(v.personas[0]!.persona).toMatch(/^An? [a-z ]+ who .*salmon/);
  });

  it('is deterministic: same request and seed give the same reply', () => {
    expect(reply(Persona, 'p', DOC_A)).toEqual(reply(Persona, 'p', DOC_A));
  });

  it('different documents give different personas', () => {
    const a = Persona.parse(reply(Persona, 'p', DOC_A)).personas.map((p) => p.persona);
    const b = Persona.parse(reply(Persona, 'p', DOC_B)).personas.map((p) => p.persona);
    expect(a.some((x) => b.includes(x))).toBe(false);
    expect(b[0]).toContain('bakeries');
  });

  it('near-identical documents give the same first persona (dedup has work)', () => {
    const variant = DOC_A.replace('every autumn', 'each autumn season');
    const a = Persona.parse(reply(Persona, 'p', DOC_A)).personas[0]!.persona;
    const b = Persona.parse(reply(Persona, 'p', variant)).personas[0]!.persona;
    expect(b).toBe(a);
  });

  it('honours a pattern (tool function_name) and const/nullable branches', () => {
    const S = z.object({ fn: z.string().regex(/^[a-z_][a-z0-9_]*$/), kind: z.literal('x'), note: z.string().nullable(), n: z.number().int().min(3).max(5) });
    const v = S.parse(reply(S, 's', DOC_B));
    expect(v.kind).toBe('x');
    expect(v.n).toBeGreaterThanOrEqual(3);
  });

  it('resolves $ref into $defs', () => {
    const schema = { type: 'object', properties: { a: { $ref: '#/$defs/Item' } }, required: ['a'], $defs: { Item: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] } } };
    const v = fillSchema(schema, { terms: ['alpha', 'beta', 'gamma'], seed: 1, root: schema }) as { a: { title: string } };
    expect(v.a.title).toContain('Alpha');
  });
});
