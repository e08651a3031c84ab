import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLlmClient } from '../../../src/llm/client.js';
import { BoundedLru } from '../../../src/llm/cache/lru.js';
import { MemoryResponseCache, cacheKey, canonicalJson, cacheModeFor, LlmCacheConfig } from '../../../src/llm/cache/index.js';
import { createMetrics } from '../../../src/metrics/catalogue.js';
import { startSimulator, type Simulator } from '../../../src/sim/server.js';
import { PersonaReply, counterSum, doc } from '../helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const ask = (i = 0, stage = 'extract') => ({ stage, messages: [{ role: 'user' as const, content: doc(i) }], schema: PersonaReply, schemaName: 'personas' });

function cached(s: Simulator, cache: MemoryResponseCache, llm: Record<string, unknown> = {}) {
  const metrics = createMetrics(new Registry());
  // structuredOutput auto: a hit must not even probe the endpoint.
  const client = createLlmClient({ endpoint: { baseUrl: s.url }, cache: { mode: 'read-write' }, ...llm }, { metrics, cache });
  return { client, metrics };
}

describe('cache key', () => {
  const base = { model: 'm', messages: [{ role: 'user', content: 'x' }], schemaName: 's', jsonSchema: { type: 'object', properties: { a: { type: 'string' } } }, params: { temperature: 0.7, seed: 1 } };

  it('is the same whatever order objects were built in, and ignores undefined fields', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
    expect(cacheKey(base)).toBe(cacheKey({ ...base, params: { seed: 1, temperature: 0.7 }, jsonSchema: { properties: { a: { type: 'string' } }, type: 'object' } }));
  });

  it.each([
    ['model', { model: 'm2' }],
    ['message text', { messages: [{ role: 'user', content: 'y' }] }],
    ['message role', { messages: [{ role: 'system', content: 'x' }] }],
    ['schema', { jsonSchema: { type: 'object' } }],
    ['schema name', { schemaName: 't' }],
    ['temperature', { params: { temperature: 0.8, seed: 1 } }],
    ['seed', { params: { temperature: 0.7, seed: 2 } }],
    ['a new param', { params: { temperature: 0.7, seed: 1, top_p: 0.9 } }],
  ])('changes with the %s', (_what, change) => {
    expect(cacheKey({ ...base, ...change })).not.toBe(cacheKey(base));
  });
});

describe('BoundedLru', () => {
  it('drops the least recently used entry beyond maxEntries and beyond maxBytes', () => {
    const lru = new BoundedLru<number>(2, 100);
    lru.set('a', 1, 10);
    lru.set('b', 2, 10);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3, 10);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
    lru.set('d', 4, 95); // over maxBytes: a and c go
    expect(lru.size).toBe(1);
    expect(lru.bytes).toBe(95);
    expect(lru.set('e', 5, 101)).toBe(false);
    expect(lru.evicted).toBe(3);
  });
});

describe('per-stage mode', () => {
  it('a stage entry wins over the default', () => {
    const c = LlmCacheConfig.parse({ mode: 'read-write', stages: { 'synthesize-math': 'read-only', expand: 'off' } });
    expect([cacheModeFor(c, 'extract'), cacheModeFor(c, 'synthesize-math'), cacheModeFor(c, 'expand')]).toEqual(['read-write', 'read-only', 'off']);
  });
});

describe('LLM client with a response cache (real simulator)', () => {
  it('read-write: the first call is made and stored, the same call again is answered from the cache with no request', async () => {
    sim = await startSimulator({ port: 0 });
    const cache = new MemoryResponseCache();
    const { client, metrics } = cached(sim, cache);
    const first = await client.complete(ask(1));
    const sent = sim.stats().requests.chat;
    expect(first.cache).toMatchObject({ hit: false });
    expect(cache.entries.size).toBe(1);

    // A second client (another process) with the same store: no probe, no request.
    const other = cached(sim, cache);
    const again = await other.client.complete(ask(1));
    expect(sim.stats().requests.chat).toBe(sent);
    expect(again).toMatchObject({ value: first.value, model: first.model, simulated: true, usage: first.usage, params: first.params, attempts: 0, cache: { hit: true, key: first.cache!.key } });
    expect(await counterSum(other.metrics.llmCacheLookups, { outcome: 'hit' })).toBe(1);
    expect(await counterSum(other.metrics.llmCacheSavedTokens, { direction: 'output' })).toBe(first.usage.outputTokens);
    // A hit is not paid: no tokens charged by the second client.
    expect(await counterSum(other.metrics.llmTokens)).toBe(0);
    expect(await counterSum(metrics.llmCacheLookups, { outcome: 'miss' })).toBe(1);

    // A different request misses.
    expect((await other.client.complete(ask(2))).cache).toMatchObject({ hit: false });
  });

  it('read-only looks up but never stores; off neither looks up nor marks provenance', async () => {
    sim = await startSimulator({ port: 0 });
    const cache = new MemoryResponseCache();
    const { client } = cached(sim, cache, { cache: { mode: 'read-only', stages: { expand: 'off' } } });
    expect((await client.complete(ask(3))).cache).toMatchObject({ hit: false });
    expect(cache.entries.size).toBe(0);
    const off = await client.complete(ask(3, 'expand'));
    expect(off.cache).toBeUndefined();
  });

  it('a stored reply that no longer satisfies the schema is counted invalid, not returned, and replaced', async () => {
    sim = await startSimulator({ port: 0 });
    const cache = new MemoryResponseCache();
    const { client, metrics } = cached(sim, cache);
    const first = await client.complete(ask(4));
    const key = first.cache!.key;
    cache.entries.set(key, { ...cache.entries.get(key)!, reply: { personas: 'not a list' } });
    const again = await client.complete(ask(4));
    expect(again.cache).toEqual({ hit: false, key });
    expect(again.value).toEqual(first.value);
    expect(await counterSum(metrics.llmCacheLookups, { outcome: 'invalid' })).toBe(1);
    expect(PersonaReply.safeParse(cache.entries.get(key)!.reply).success).toBe(true);
  });

  it('a stricter schema under the same name is a different key (the schema is part of the address)', async () => {
    sim = await startSimulator({ port: 0 });
    const cache = new MemoryResponseCache();
    const { client } = cached(sim, cache);
    await client.complete(ask(5));
    const Stricter = z.object({ personas: z.array(z.object({ perspective: z.enum(['read']), persona: z.string() })).min(1) });
    const r = await client.complete({ ...ask(5), schema: Stricter });
    expect(r.cache?.hit).toBe(false);
  });
});
