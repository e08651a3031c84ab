import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLlmClient } from '../../src/llm/client.js';
import { resetSharedEndpoints } from '../../src/llm/endpoint.js';
import { extractJson, structuredRequest, SCHEMA_HINT_PREFIX } from '../../src/llm/structured-output.js';
import { createMetrics } from '../../src/metrics/catalogue.js';
import { COMPAT_PRESETS, type CompatOptions } from '../../src/sim/options.js';
import { startSimulator, type Simulator } from '../../src/sim/server.js';
import type { LlmConfigInput } from '../../src/llm/config.js';
import { counterSum, doc, PersonaReply } from './helpers.js';

describe('extractJson: repairs only what is unambiguous', () => {
  it.each([
    ['bare JSON', '{"a":1}', { a: 1 }, 'none'],
    ['bare JSON with whitespace', '\n  {"a":[1,2]}\n', { a: [1, 2] }, 'none'],
    ['```json fence', '```json\n{"a":1}\n```', { a: 1 }, 'fence'],
    ['bare ``` fence with prose around', 'Here you go:\n```\n{"a":"x } y"}\n```\nDone.', { a: 'x } y' }, 'fence'],
    ['one object in chatty text', 'Sure! {"a":{"b":"{not a brace}"}} Hope this helps.', { a: { b: '{not a brace}' } }, 'embedded'],
  ])('%s', (_n, text, value, repaired) => {
    expect(extractJson(text)).toEqual({ ok: true, value, repaired });
  });

  it.each([
    ['no JSON at all', 'I cannot help with that.', /not valid JSON/],
    ['two objects', 'Option A: {"a":1} or option B: {"a":2}', /2 JSON objects/],
    ['two fenced blocks', '```json\n{"a":1}\n```\nor\n```json\n{"a":2}\n```', /2 fenced blocks/],
    ['cut-off JSON', '{"a": [1, 2', /not valid JSON/],
    ['empty reply', '', /not valid JSON/],
  ])('%s is not guessed at', (_n, text, reason) => {
    const r = extractJson(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('structuredRequest: what each mode sends', () => {
  const schema = { type: 'object', properties: { x: { type: 'string' } }, required: ['x'] };
  const msgs = [
    { role: 'system' as const, content: 'Instructions.' },
    { role: 'user' as const, content: 'Untrusted page text.' },
  ];
  it('json_schema sends the schema as a strict response format and leaves the prompt alone', () => {
    const r = structuredRequest('json_schema', 'n', schema, msgs);
    expect(r.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'n', schema, strict: true } });
    expect(r.messages).toBe(msgs);
  });
  it.each(['json_object_schema', 'json_object', 'prompt'] as const)('%s puts the schema in the system turn only', (mode) => {
    const r = structuredRequest(mode, 'n', schema, msgs);
    expect(r.messages[0]!.content).toBe(`Instructions.\n\n${SCHEMA_HINT_PREFIX}${JSON.stringify(schema)}`);
    expect(r.messages[1]).toEqual(msgs[1]);
    if (mode === 'json_object_schema') expect(r.response_format).toEqual({ type: 'json_object', schema });
    if (mode === 'json_object') expect(r.response_format).toEqual({ type: 'json_object' });
    if (mode === 'prompt') expect(r.response_format).toBeUndefined();
  });
});

describe('structured-output negotiation (auto) against emulated servers', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    resetSharedEndpoints();
  });

  async function negotiate(compat: Partial<CompatOptions>, llm: Omit<NonNullable<LlmConfigInput>, 'endpoint'> = {}, maxAttempts = 6) {
    sim = await startSimulator({ port: 0, compat });
    const metrics = createMetrics(new Registry());
    const client = createLlmClient({ endpoint: { baseUrl: sim.url, backoffBaseMs: 5, backoffMaxMs: 50, maxAttempts }, ...llm }, { metrics });
    return { client, metrics, sim };
  }

  it.each([
    ['openai', 'json_schema', 1],
    ['llama-cpp-python', 'json_object_schema', 2],
    ['json_object only, fenced otherwise', 'json_object', 3],
    ['plain-chat', 'prompt', 3],
  ] as const)('%s → %s, probed once for many calls', async (name, mode, probes) => {
    const compat = name === 'json_object only, fenced otherwise' ? { jsonSchema: 'ignore', jsonObject: 'honour', jsonObjectSchema: 'ignore', unconstrained: 'fenced' } as const : COMPAT_PRESETS[name]!;
    const { client, metrics } = await negotiate(compat);
    const calls = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        client.complete({ stage: 'extract', messages: [{ role: 'system', content: 'Infer personas.' }, { role: 'user', content: doc(i) }], schema: PersonaReply, schemaName: 'personas' }),
      ),
    );
    expect((await client.structuredMode()).mode).toBe(mode);
    for (const c of calls) {
      expect(PersonaReply.parse(c.value)).toEqual(c.value);
      expect(c.attempts).toBe(1);
      expect(c.simulated).toBe(true);
    }
    // Concurrent calls share one probe: the probe requests plus exactly one request per call.
    expect(sim!.stats().requests.chat).toBe(probes + 6);
    const gauge = (await metrics.llmStructuredMode.get()).values;
    expect(gauge).toEqual([expect.objectContaining({ value: 1, labels: expect.objectContaining({ mode }) })]);
    const repairs = await counterSum(metrics.llmReplyRepairs, { stage: 'extract' });
    expect(repairs).toBe(name === 'plain-chat' ? 6 : 0);
    if (name === 'plain-chat') expect(await counterSum(metrics.llmReplyRepairs, { how: 'embedded' })).toBe(6);
  });

  it('a configured prompt mode repairs fenced replies (counted by how), with no probe', async () => {
    const { client, metrics } = await negotiate(COMPAT_PRESETS['llama-cpp-python']!, { structuredOutput: 'prompt' });
    const r = await client.complete({ stage: 'extract', messages: [{ role: 'user', content: doc(1) }], schema: PersonaReply, schemaName: 'personas' });
    expect(r.attempts).toBe(1);
    expect(PersonaReply.safeParse(r.value).success).toBe(true);
    expect(sim!.stats().requests.chat).toBe(1);
    expect(await counterSum(metrics.llmReplyRepairs, { how: 'fence' })).toBe(1);
  });

  it('json_schema configured against a server that refuses it: every call fails with the classified server error', async () => {
    const { client } = await negotiate(COMPAT_PRESETS['llama-cpp-python']!, { structuredOutput: 'json_schema' }, 2);
    const err = await client
      .complete({ stage: 'extract', messages: [{ role: 'user', content: doc(1) }], schema: PersonaReply, schemaName: 'personas' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'retriable', code: 'llm_server_error' });
    expect(sim!.stats().requests.chat).toBe(2);
  });

  it('a probe that cannot reach the endpoint is not cached: the next call probes again', async () => {
    const { client } = await negotiate(COMPAT_PRESETS['openai']!);
    const url = sim!.url;
    await sim!.close();
    const down = createLlmClient({ endpoint: { baseUrl: url, maxAttempts: 1, backoffBaseMs: 1 } }, { metrics: createMetrics(new Registry()) });
    await expect(down.structuredMode()).rejects.toMatchObject({ code: 'llm_connection' });
    await expect(down.structuredMode()).rejects.toMatchObject({ code: 'llm_connection' });
    void client;
  });
});
