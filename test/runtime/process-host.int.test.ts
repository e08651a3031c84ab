import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from '../../src/kafka/client.js';
import type { Kafka } from './helpers.js';
import { z } from 'zod';
import { dlqTopic } from '../../src/contracts/dlq.js';
import { fatal } from '../../src/errors.js';
import { runStages, type Stage } from '../../src/runtime/index.js';
import { NumberRecord, createTopics, produce, testConfig, testDeps, connectBroker, testKafka, uniq, waitFor } from './helpers.js';

const echo = (name: string, failOn?: number): Stage<{ n: number }> => ({
  name,
  input: { topic: 'in', schema: NumberRecord },
  outputs: { out: z.object({ n: z.number() }) },
  ordering: 'unordered',
  async process(rec) {
    if (rec.n === failOn) throw fatal('budget_exhausted', 'configured to stop when the budget is spent');
    return [{ topic: 'out', key: String(rec.n), value: { n: rec.n } }];
  },
});

describe('runStages: several stages, one HTTP server', () => {
  let kafka: Kafka;
  let admin: Admin;
  beforeAll(async () => void ({ kafka, admin } = await connectBroker()));
  afterAll(() => admin.disconnect());

  it('/healthz, /readyz (all stages assigned), /metrics with per-stage series', async () => {
    const prefix = `${uniq('host')}.`;
    await createTopics(admin, [`${prefix}in`, `${prefix}out`, dlqTopic(`${prefix}in`, 'one'), dlqTopic(`${prefix}in`, 'two')], 1);
    await produce(kafka, `${prefix}in`, [{ key: 'a', value: JSON.stringify({ n: 1 }) }]);
    const config = { ...testConfig(), http: { host: '127.0.0.1', port: 0 } };
    const deps = testDeps(config, { topicPrefix: prefix });
    const proc = await runStages([echo('one'), echo('two')], deps, { signals: false });
    const base = `http://127.0.0.1:${proc.http!.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await Promise.all(proc.stages.map((s) => s.ready));
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    await waitFor('both stages processed the record', async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return text.includes('personahub_records_out_total{stage="one",topic="out"} 1') && text.includes('personahub_records_out_total{stage="two",topic="out"} 1');
    });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/personahub_committed_offset\{stage="one",topic="[^"]+",partition="0"\} 1/);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    await proc.stop();
    await proc.done;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('a fatal error in one stage stops every stage and rejects done', async () => {
    const prefix = `${uniq('fatal')}.`;
    await createTopics(admin, [`${prefix}in`, `${prefix}out`, dlqTopic(`${prefix}in`, 'ok'), dlqTopic(`${prefix}in`, 'dies')], 1);
    await produce(kafka, `${prefix}in`, [0, 1, 2].map((n) => ({ key: String(n), value: JSON.stringify({ n }) })));
    const deps = testDeps(testConfig(), { topicPrefix: prefix });
    const proc = await runStages([echo('ok'), echo('dies', 1)], deps, { http: false, signals: false });
    await expect(proc.done).rejects.toMatchObject({ kind: 'fatal', code: 'budget_exhausted' });
    for (const s of proc.stages) expect(s.isReady()).toBe(false);
    // the fatal record was not committed: the group of "dies" stops below offset 1
    const [t] = await admin.fetchOffsets({ groupId: proc.stages[1]!.groupId, topics: [`${prefix}in`] });
    expect(Number(t!.partitions[0]!.offset)).toBeLessThanOrEqual(1);
  });
});

describe('a transaction that can never succeed', () => {
  it('stops the stage with a fatal error instead of re-doing the work forever', async () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const prefix = `${uniq('notopic')}.`;
    // an output topic name Kafka rejects (illegal characters): every transaction fails
    await createTopics(admin, [`${prefix}in`], 1);
    await produce(kafka, `${prefix}in`, [{ key: 'a', value: JSON.stringify({ n: 1 }) }]);
    const stage: Stage<{ n: number }> = { ...echo('lost'), outputs: { 'bad!topic': z.object({ n: z.number() }) },
      async process(rec) { return [{ topic: 'bad!topic', key: 'a', value: { n: rec.n } }]; } };
    const deps = testDeps(testConfig(), { topicPrefix: prefix, runtime: { commitIntervalMs: 50 } });
    const proc = await runStages([stage], deps, { http: false, signals: false });
    const outcome = await proc.done.then(() => 'stopped', (e: unknown) => e);
    await admin.disconnect();
    expect(outcome).toMatchObject({ kind: 'fatal', code: 'kafka_fatal', message: expect.stringContaining('5 consecutive transactions failed') });
  });
});
