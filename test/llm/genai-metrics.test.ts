import { afterEach, describe, expect, it } from 'vitest';
import { GEN_AI_DURATION_BUCKETS, GEN_AI_TOKEN_BUCKETS } from '../../src/metrics/catalogue.js';
import { startSimulator, type Simulator } from '../../src/sim/server.js';
import { PersonaReply, clientFor, doc } from './helpers.js';

/**
 * The OpenTelemetry GenAI histograms (gen_ai.client.token.usage, gen_ai.client.operation.duration) are recorded
 * from the same calls as personahub's own LLM metrics, with the conventions' attribute names and buckets.
 */
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

type Sample = { value: number; labels: Record<string, string | number>; metricName?: string };
async function samples(h: { get(): Promise<{ values: Sample[] }> }, suffix: '_sum' | '_count' | '_bucket'): Promise<Sample[]> {
  return (await h.get()).values.filter((v) => v.metricName?.endsWith(suffix));
}
const sumWhere = (rows: Sample[], match: Record<string, string>) =>
  rows.filter((r) => Object.entries(match).every(([k, v]) => r.labels[k] === v)).reduce((s, r) => s + r.value, 0);

describe('OpenTelemetry GenAI metrics', () => {
  it('token usage per type equals the usage the endpoint reported; one duration per attempt', async () => {
    sim = await startSimulator({ port: 0 });
    const { client, metrics } = clientFor(sim, { provider: 'personahub.simulator' });
    for (let i = 0; i < 3; i++) await client.complete({ stage: 'extract', messages: [{ role: 'user', content: doc(i) }], schema: PersonaReply, schemaName: 'personas' });
    await client.embed({ stage: 'dedup', input: ['a persona', 'another persona'] });

    const chat = { gen_ai_operation_name: 'chat', gen_ai_provider_name: 'personahub.simulator', gen_ai_request_model: 'personahub-sim-1' };
    const tokenSums = await samples(metrics.genAiTokenUsage, '_sum');
    const usage = sim.stats().usage;
    const embedInput = sumWhere(tokenSums, { gen_ai_operation_name: 'embeddings', gen_ai_token_type: 'input' });
    expect(embedInput).toBeGreaterThan(0);
    expect(sumWhere(tokenSums, { ...chat, gen_ai_token_type: 'input' }) + embedInput).toBe(usage.promptTokens);
    expect(sumWhere(tokenSums, { ...chat, gen_ai_token_type: 'output' })).toBe(usage.completionTokens);
    // One observation per reply and token type; embeddings record input only.
    const tokenCounts = await samples(metrics.genAiTokenUsage, '_count');
    expect(sumWhere(tokenCounts, { ...chat, gen_ai_token_type: 'output' })).toBe(3);
    expect(sumWhere(tokenCounts, { gen_ai_operation_name: 'embeddings', gen_ai_token_type: 'output' })).toBe(0);

    const durCounts = await samples(metrics.genAiOperationDuration, '_count');
    expect(sumWhere(durCounts, chat)).toBe(3);
    expect(sumWhere(durCounts, { gen_ai_operation_name: 'embeddings' })).toBe(1);
    expect(durCounts.every((r) => r.labels.error_type === undefined)).toBe(true);
  });

  it('a failed attempt carries error_type; the buckets are the conventions\' boundaries', async () => {
    sim = await startSimulator({ port: 0, faults: { serverError: 1 } });
    const { client, metrics } = clientFor(sim, { maxAttempts: 2, breakerFailures: 100 });
    await expect(client.complete({ stage: 'extract', messages: [{ role: 'user', content: doc(1) }], schema: PersonaReply, schemaName: 'personas' })).rejects.toMatchObject({ kind: 'retriable' });

    const durCounts = await samples(metrics.genAiOperationDuration, '_count');
    expect(durCounts).toHaveLength(1);
    expect(durCounts[0]!.labels).toMatchObject({ gen_ai_operation_name: 'chat', gen_ai_provider_name: 'openai', error_type: expect.stringMatching(/^llm_/) });
    expect(durCounts[0]!.value).toBe(2);
    expect((await samples(metrics.genAiTokenUsage, '_count'))).toHaveLength(0);

    const les = (await samples(metrics.genAiOperationDuration, '_bucket')).map((r) => r.labels.le).filter((le) => le !== '+Inf');
    expect(les).toEqual(GEN_AI_DURATION_BUCKETS);
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE gen_ai_client_token_usage histogram');
    expect(text).toContain('# TYPE gen_ai_client_operation_duration_seconds histogram');
    expect(GEN_AI_TOKEN_BUCKETS).toEqual([1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]);
  });
});
