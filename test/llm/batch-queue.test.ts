import OpenAI from 'openai';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { LlmBatchConfig } from '../../src/llm/batch/config.js';
import { BatchQueue } from '../../src/llm/batch/queue.js';
import { createMetrics } from '../../src/metrics/catalogue.js';
import { startSimulator, type Simulator } from '../../src/sim/server.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function queue(s: Simulator, cfg: Partial<LlmBatchConfig> = {}) {
  const metrics = createMetrics(new Registry());
  const q = new BatchQueue({
    openai: new OpenAI({ baseURL: s.url, apiKey: 'x', maxRetries: 0 }),
    cfg: LlmBatchConfig.parse({ maxRequests: 5, maxAgeMs: 30, pollMs: 10, maxRequeues: 2, ...cfg }),
    metrics,
    random: () => 0.5,
    backoffBaseMs: 5,
    backoffMaxMs: 20,
  });
  return { q, metrics };
}
const body = (i: number) => ({ model: 'personahub-sim-1', messages: [{ role: 'user', content: `persona ${i}` }] });

describe('BatchQueue against the simulator', () => {
  it('groups calls by size and age; every caller gets its own completion', async () => {
    sim = await startSimulator({ port: 0, batch: { completeAfterMs: 20 } });
    const { q } = queue(sim);
    const replies = await Promise.all(Array.from({ length: 7 }, (_, i) => q.run(body(i))));
    expect(replies.every((r) => r.choices[0]!.message.content)).toBe(true);
    expect(new Set(replies.map((r) => r.id)).size).toBe(7);
    expect(sim.batchStats()).toMatchObject({ created: 2, completed: 2, linesAnswered: 7 }); // 5 by size, 2 by age
  });

  it('a line answered 4xx fails its call poison at once; the others in the batch succeed', async () => {
    sim = await startSimulator({ port: 0, batch: { completeAfterMs: 20 } });
    const { q } = queue(sim);
    const [bad, good] = await Promise.allSettled([q.run({ model: 'personahub-sim-1', messages: [] }), q.run(body(1))]);
    expect(bad.status === 'rejected' && bad.reason).toMatchObject({ kind: 'poison', code: 'llm_bad_request' });
    expect(good.status).toBe('fulfilled');
  });

  it('a request in batches that keep failing is re-queued maxRequeues times, then fails retriable', async () => {
    sim = await startSimulator({ port: 0, batch: { completeAfterMs: 20, fail: [1, 2, 3, 4] } });
    const { q, metrics } = queue(sim);
    await expect(q.run(body(1))).rejects.toMatchObject({ kind: 'retriable', code: 'llm_server_error' });
    expect(sim.batchStats().failed).toBe(3); // first try + 2 re-queues
    expect((await metrics.llmBatchLines.get()).values.find((v) => v.labels.outcome === 'requeued')?.value).toBe(2);
  });

  it('an aborted caller is rejected at once and its request is not sent', async () => {
    sim = await startSimulator({ port: 0, batch: { completeAfterMs: 20 } });
    const { q } = queue(sim, { maxAgeMs: 200 });
    const ac = new AbortController();
    const p = q.run(body(1), ac.signal);
    ac.abort(new Error('revoked'));
    await expect(p).rejects.toThrow('revoked');
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.batchStats().created).toBe(0);
  });
});
