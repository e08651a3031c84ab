import OpenAI, { toFile } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/server.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const line = (i: number) =>
  JSON.stringify({ custom_id: `req-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'personahub-sim-1', messages: [{ role: 'user', content: `persona ${i}` }] } });

async function runBatch(client: OpenAI, n: number) {
  const file = await client.files.create({ file: await toFile(Buffer.from(Array.from({ length: n }, (_, i) => line(i)).join('\n')), 'in.jsonl'), purpose: 'batch' });
  let b = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  expect(b.status).toBe('validating');
  while (!['completed', 'failed', 'expired'].includes(b.status)) {
    await new Promise((r) => setTimeout(r, 20));
    b = await client.batches.retrieve(b.id);
  }
  const text = async (id: string | null | undefined) => (id ? (await (await client.files.content(id)).text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { custom_id: string; response: { status_code: number; body: { choices?: unknown[] } } }) : []);
  return { b, out: await text(b.output_file_id), err: await text(b.error_file_id) };
}

describe('simulator Batch API (/v1/files, /v1/batches) through the openai client', () => {
  it('completes, fails, expires and partially fails batches by ordinal, as configured', async () => {
    sim = await startSimulator({ port: 0, batch: { completeAfterMs: 60, fail: [2], expire: [3], partial: [4], lineErrorRate: 0.3 } });
    const client = new OpenAI({ baseURL: sim.url, apiKey: 'x', maxRetries: 0 });
    const ok = await runBatch(client, 10);
    expect(ok.b.status).toBe('completed');
    expect(ok.out.map((l) => l.custom_id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `req-${i}`).sort());
    expect(ok.out.every((l) => l.response.status_code === 200 && Array.isArray(l.response.body.choices))).toBe(true);
    expect(ok.b.request_counts).toEqual({ total: 10, completed: 10, failed: 0 });

    const failed = await runBatch(client, 10);
    expect(failed.b.status).toBe('failed');
    expect(failed.b.errors?.data?.[0]?.code).toBe('simulated_failure');
    expect(failed.out).toEqual([]);

    const expired = await runBatch(client, 10);
    expect(expired.b.status).toBe('expired');
    expect(expired.out.length).toBe(5);

    const partial = await runBatch(client, 40);
    expect(partial.b.status).toBe('completed');
    expect(partial.err.length).toBeGreaterThan(0);
    expect(partial.out.length + partial.err.length).toBe(40);
    expect(partial.err.every((l) => l.response.status_code === 500)).toBe(true);

    expect(sim.batchStats()).toMatchObject({ created: 4, completed: 2, failed: 1, expired: 1, partial: 1, lineErrors: partial.err.length });
    expect(sim.stats().requests.chat).toBe(0); // batch lines are not online requests
  });
});
