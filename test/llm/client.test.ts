import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createMetrics } from '../../src/metrics/catalogue.js';
import { createLlmClient } from '../../src/llm/client.js';
import { startSimulator, type Simulator } from '../../src/sim/server.js';
import { PersonaReply, clientFor, counterSum, doc, waitFor } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const ask = (i = 0) => ({ stage: 'extract', messages: [{ role: 'user' as const, content: doc(i) }], schema: PersonaReply, schemaName: 'personas' });

describe('LLM client against the simulator', () => {
  it('returns the validated value, the reported model and usage, and marks it simulated', async () => {
    sim = await startSimulator({ port: 0 });
    const { client } = clientFor(sim);
    const r = await client.complete(ask(1));
    expect(PersonaReply.parse(r.value)).toEqual(r.value);
    expect(r).toMatchObject({ model: 'personahub-sim-1', simulated: true, attempts: 1 });
    expect(r.usage.inputTokens).toBe(sim.stats().usage.promptTokens);
    expect(r.usage.outputTokens).toBe(sim.stats().usage.completionTokens);
    // Same request, same reply.
    expect((await client.complete(ask(1))).value).toEqual(r.value);
  });

  it('applies stage and scenario overrides below the request\'s own params', async () => {
    sim = await startSimulator({ port: 0 });
    const { client, metrics } = clientFor(sim, {}, {
      stages: { synthesize: { model: 'personahub-sim-2', params: { temperature: 0.2, max_tokens: 300 } } },
      scenarios: { math: { params: { temperature: 0.9 } } },
    });
    const r = await client.complete({ ...ask(2), stage: 'synthesize', scenario: 'math', params: { top_p: 0.5 } });
    expect(r.params).toEqual({ model: 'personahub-sim-2', temperature: 0.9, top_p: 0.5, max_tokens: 300 });
    expect(r.model).toBe('personahub-sim-2');
    expect(await counterSum(metrics.llmRequests, { stage: 'synthesize', scenario: 'math', model: 'personahub-sim-2', outcome: 'ok' })).toBe(1);
  });

  it.each(['max_tokens', 'max_completion_tokens'] as const)('a reply cut off at the length cap (sent as %s) is malformed, then poison', async (field) => {
    sim = await startSimulator({ port: 0 });
    const { client } = clientFor(sim, { maxTokensParam: field, maxMalformedReplies: 2 });
    const err = await client.complete({ ...ask(3), params: { max_tokens: 5 } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'poison', code: 'llm_malformed_reply' });
    expect((err as Error).message).toContain('max_tokens');
    expect(sim.stats().usage.completionTokens).toBe(10);
    expect(sim.stats().lengthCapFields[field]).toBe(2);
    expect((await client.complete({ ...ask(3), params: { max_tokens: 500 } })).attempts).toBe(1);
  });

  it('a request the endpoint rejects (400) is poison after one attempt', async () => {
    sim = await startSimulator({ port: 0 });
    const { client } = clientFor(sim);
    const err = await client.complete({ ...ask(), messages: [] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'poison', code: 'llm_bad_request' });
    expect(sim.stats().requests.chat).toBe(1);
  });

  it('a connection refused is retriable llm_connection', async () => {
    sim = await startSimulator({ port: 0 });
    const url = sim.url;
    await sim.close();
    sim = undefined;
    const client = createLlmClient({ endpoint: { baseUrl: url, maxAttempts: 2, backoffBaseMs: 1 } }, { metrics: createMetrics(new Registry()) });
    expect(await client.complete(ask()).catch((e: unknown) => e)).toMatchObject({ kind: 'retriable', code: 'llm_connection' });
  });

  it('aborting a call releases its slot and rejects with the abort reason', async () => {
    sim = await startSimulator({ port: 0, latency: { dist: 'fixed', ms: 10_000 } });
    const { client, metrics } = clientFor(sim, { maxInFlight: 1 });
    const ac = new AbortController();
    const inFlight = client.complete({ ...ask(), signal: ac.signal }).catch((e: unknown) => e);
    const queued = client.complete({ ...ask(1), signal: ac.signal }).catch((e: unknown) => e);
    expect(await waitFor(() => sim!.stats().inFlight === 1)).toBe(true);
    ac.abort(new Error('partition revoked'));
    expect(await inFlight).toEqual(new Error('partition revoked'));
    expect(await queued).toEqual(new Error('partition revoked'));
    expect((await metrics.llmInFlight.get()).values[0]!.value).toBe(0);
    expect(await waitFor(() => sim!.stats().inFlight === 0)).toBe(true);
    expect(sim.stats().requests.chat).toBe(1);
  });

  it('two clients of one endpoint share its limits', async () => {
    sim = await startSimulator({ port: 0, latency: { dist: 'fixed', ms: 15 } });
    const a = clientFor(sim, { maxInFlight: 4, requestsPerMinute: 1e6 }).client;
    const b = clientFor(sim, { maxInFlight: 4, requestsPerMinute: 1e6 }).client;
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).complete(ask(i))));
    // Each client alone would allow 4; together they still never exceed 4 (and do run several at once).
    expect(sim.stats().maxInFlight).toBeLessThanOrEqual(4);
    expect(sim.stats().maxInFlight).toBeGreaterThan(1);
  });

  it('budget (pause): calls wait once the budget is spent and resume when it is raised', async () => {
    sim = await startSimulator({ port: 0 });
    const { client } = clientFor(sim, {}, { prices: { 'personahub-sim-1': { inputPerMTok: 1_000_000, outputPerMTok: 0 } }, budgetUsd: 1 });
    await client.complete(ask(1));
    expect(client.spentUsd).toBeGreaterThanOrEqual(1);
    let done = false;
    const paused = client.complete(ask(2)).then((r) => ((done = true), r));
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false);
    expect(sim.stats().requests.chat).toBe(1);
    client.raiseBudget(undefined);
    expect(PersonaReply.safeParse((await paused).value).success).toBe(true);
  });

  it('budget (fail): calls fail retriable budget_exhausted without reaching the endpoint', async () => {
    sim = await startSimulator({ port: 0 });
    const { client } = clientFor(sim, {}, { prices: { 'personahub-sim-1': { inputPerMTok: 1_000_000, outputPerMTok: 0 } }, budgetUsd: 1, budgetMode: 'fail' });
    await client.complete(ask(1));
    expect(await client.complete(ask(2)).catch((e: unknown) => e)).toMatchObject({ kind: 'retriable', code: 'budget_exhausted' });
    expect(sim.stats().requests.chat).toBe(1);
  });

  it('embeddings: one vector per input, similar texts close', async () => {
    sim = await startSimulator({ port: 0 });
    const { client, metrics } = clientFor(sim);
    const r = await client.embed({ stage: 'dedup', input: ['A nurse who studies salmon rivers', 'A nurse who studies salmon and rivers', 'Tax law for bakeries'] });
    expect(r.vectors).toHaveLength(3);
    const cos = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(cos(r.vectors[0]!, r.vectors[1]!)).toBeGreaterThan(cos(r.vectors[0]!, r.vectors[2]!));
    expect(r.usage.inputTokens).toBe(sim.stats().usage.promptTokens);
    expect(await counterSum(metrics.llmTokens, { stage: 'dedup', direction: 'input' })).toBe(r.usage.inputTokens);
  });
});
