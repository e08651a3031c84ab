import { describe, expect, it } from 'vitest';
import { requestJson, reusedJson } from '../../src/llm/request-json.js';

const schema = () => ({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'array', items: { type: 'number' } } }, required: ['a', 'b'], additionalProperties: false });
const body = (system: object, s: object) => ({
  model: 'm',
  messages: [system, { role: 'user', content: 'a "quoted" persona\nwith ünïcode and \u2028 separators' }],
  response_format: { type: 'json_schema', json_schema: { name: 'x', schema: s, strict: true } },
  temperature: 0.7,
  top_p: undefined,
  max_tokens: 1024,
  stop: [undefined, 'x'],
});

describe('requestJson', () => {
  it('writes exactly what JSON.stringify writes, with and without registered parts', () => {
    const plain = body({ role: 'system', content: 'task: "x" \\ y' }, schema());
    const reused = body(reusedJson({ role: 'system', content: 'task: "x" \\ y' }), reusedJson(schema()));
    expect(requestJson(plain)).toBe(JSON.stringify(plain));
    expect(requestJson(reused)).toBe(JSON.stringify(reused));
    expect(JSON.parse(requestJson(reused))).toEqual(JSON.parse(JSON.stringify(plain)));
    for (const v of [null, 1, 'a', true, [], {}, [1, { a: undefined }], { d: new Date(0) }]) expect(requestJson(v)).toBe(JSON.stringify(v));
  });

  it('reuses the text a registered part had when it was registered', () => {
    const system = reusedJson({ role: 'system', content: 'first' });
    // The documented hazard, shown: a registered part is not serialised again, so a later change is not sent.
    system.content = 'changed';
    expect(requestJson({ messages: [system] })).toBe('{"messages":[{"role":"system","content":"first"}]}');
    expect(requestJson({ messages: [{ ...system }] })).toBe('{"messages":[{"role":"system","content":"changed"}]}');
  });

  it('finds a registered part three levels down (response_format.json_schema.schema)', () => {
    const s = reusedJson(schema());
    s.required = ['changed']; // not sent: the registered text is
    const text = requestJson({ response_format: { json_schema: { schema: s } } });
    expect(text).toBe(JSON.stringify({ response_format: { json_schema: { schema: { ...schema() } } } }));
  });
});
