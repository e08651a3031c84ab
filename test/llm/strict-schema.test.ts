import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SCENARIO_OUTPUTS } from '../../src/contracts/scenarios.js';
import { dropNulls, strictJsonSchema } from '../../src/llm/strict-schema.js';

type Json = Record<string, unknown>;

/** Every object node: closed and with every property required — what strict mode demands. */
function assertStrict(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(assertStrict);
  if (typeof node !== 'object' || node === null) return;
  const n = node as Json;
  if (n['type'] === 'object') {
    expect(n['additionalProperties']).toBe(false);
    expect([...(n['required'] as string[])].sort()).toEqual(Object.keys(n['properties'] as Json).sort());
  }
  for (const k of ['minLength', 'maxLength', '$schema', 'default']) expect(k in n).toBe(false);
  Object.values(n).forEach(assertStrict);
}

describe('strictJsonSchema', () => {
  it.each(Object.entries(SCENARIO_OUTPUTS))('%s output schema is strict-mode compatible', (_n, schema) => {
    assertStrict(strictJsonSchema(schema).jsonSchema);
  });

  it('turns optional fields into required nullable ones and undoes it on the reply', () => {
    const S = z.object({ a: z.string().min(2), b: z.number().optional(), c: z.string().nullable(), d: z.array(z.object({ x: z.string().optional() })) });
    const { jsonSchema, original } = strictJsonSchema(S);
    assertStrict(jsonSchema);
    const props = jsonSchema['properties'] as Json;
    expect(props['b']).toEqual({ anyOf: [{ type: 'number' }, { type: 'null' }] });
    const reply = { a: 'hi', b: null, c: null, d: [{ x: null }, { x: 'y' }] };
    const cleaned = dropNulls(reply, original);
    // b and d[0].x were optional: null means absent. c is nullable in zod itself: null stays.
    expect(cleaned).toEqual({ a: 'hi', c: null, d: [{}, { x: 'y' }] });
    expect(S.safeParse(cleaned).success).toBe(true);
  });

  it('refuses a schema whose root is not an object (endpoints require one)', () => {
    expect(() => strictJsonSchema(z.array(z.string()))).toThrow(expect.objectContaining({ kind: 'fatal', code: 'config_invalid' }));
  });

  it('keeps descriptions and patterns (they guide the model)', () => {
    const j = strictJsonSchema(SCENARIO_OUTPUTS.tool).jsonSchema as { properties: Record<string, Json> };
    expect(j.properties['function_name']!['pattern']).toBeTypeOf('string');
    expect(j.properties['depend']!['description']).toBeTypeOf('string');
  });
});
