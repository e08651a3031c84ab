import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/server.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const post = (path: string, body: unknown) =>
  fetch(`${sim!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('simulator HTTP surface', () => {
  it('labels every reply as simulated and answers plain, json_object and json_schema requests', async () => {
    sim = await startSimulator({ port: 0 });
    const plain = await post('/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'gardens and beekeeping' }] });
    expect(plain.headers.get('x-personahub-simulator')).toBe('1');
    const p = (await plain.json()) as { model: string; system_fingerprint: string; choices: Array<{ message: { content: string } }> };
    expect(p.model).toBe('personahub-sim-1:gpt-4o');
    expect(p.system_fingerprint).toBe('personahub-simulator');
    expect(p.choices[0]!.message.content).toContain('gardens');
    const obj = (await (await post('/chat/completions', { messages: [{ role: 'user', content: 'x y z' }], response_format: { type: 'json_object' } })).json()) as { choices: Array<{ message: { content: string } }> };
    expect(JSON.parse(obj.choices[0]!.message.content)).toHaveProperty('text');
  });

  it('lists models, serves base64 embeddings, 404s unknown routes, 400s bad bodies', async () => {
    sim = await startSimulator({ port: 0, embeddingDims: 8 });
    const models = (await (await fetch(`${sim.url}/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toContain('personahub-sim-1');
    const e = (await (await post('/embeddings', { input: 'salmon', encoding_format: 'base64' })).json()) as { data: Array<{ embedding: string }> };
    expect(Buffer.from(e.data[0]!.embedding, 'base64').length).toBe(8 * 4);
    expect((await fetch(`${sim.url}/nope`)).status).toBe(404);
    expect((await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: '{not json' })).status).toBe(400);
    expect(sim.stats().inFlight).toBe(0);
  });

  it('serves Prometheus metrics at /metrics that match its own counters', async () => {
    sim = await startSimulator({ port: 0 });
    for (const word of ['tides', 'harbours']) await post('/chat/completions', { messages: [{ role: 'user', content: word }] });
    const res = await fetch(`http://127.0.0.1:${sim.port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const stats = sim.stats();
    expect(text).toMatch(/personahub_sim_requests_total\{kind="chat"\} 2\b/);
    expect(text).toMatch(/personahub_sim_answered_total 2\b/);
    expect(text).toContain(`personahub_sim_tokens_total{direction="output"} ${stats.usage.completionTokens}`);
    expect(text).toMatch(/personahub_sim_in_flight_requests 0\b/);
  });

  it('fault decisions are seeded: the same seed gives the same sequence of statuses', async () => {
    const run = async () => {
      const s = await startSimulator({ port: 0, seed: 42, faults: { rateLimited: 0.3, serverError: 0.2 } });
      const codes: number[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${s.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: `q${i}` }] }) });
        codes.push(r.status);
        await r.arrayBuffer();
      }
      await s.close();
      return codes;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(1);
  });

  it('429s carry Retry-After in the configured form; faults can be changed at run time', async () => {
    sim = await startSimulator({ port: 0, faults: { rateLimited: 1, retryAfterMs: 1500, retryAfterFormat: 'both' } });
    const r = await post('/chat/completions', { messages: [{ role: 'user', content: 'a' }] });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after-ms')).toBe('1500');
    expect(r.headers.get('retry-after')).toBe('2');
    const base = sim.url.replace(/\/v1$/, '');
    expect((await fetch(`${base}/_sim/faults`, { method: 'POST', body: JSON.stringify({ rateLimited: 0 }) })).status).toBe(200);
    expect((await post('/chat/completions', { messages: [{ role: 'user', content: 'a' }] })).status).toBe(200);
    const stats = (await (await fetch(`${base}/_sim/stats?windowMs=1000`)).json()) as { faults: { rate_limited: number }; retryGaps: unknown[] };
    expect(stats.faults.rate_limited).toBe(1);
    expect(stats.retryGaps).toHaveLength(1); // same body twice = same call key
  });

  it('latency and token rate delay the reply', async () => {
    sim = await startSimulator({ port: 0, latency: { dist: 'fixed', ms: 40 }, tokensPerSecond: 1000 });
    const t0 = performance.now();
    const r = (await (await post('/chat/completions', { messages: [{ role: 'user', content: 'a b c' }] })).json()) as { usage: { completion_tokens: number } };
    expect(performance.now() - t0).toBeGreaterThanOrEqual(40 + r.usage.completion_tokens - 1);
  });
});
