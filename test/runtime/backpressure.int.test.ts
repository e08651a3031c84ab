import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from '../../src/kafka/client.js';
import type { Kafka } from './helpers.js';
import { z } from 'zod';
import { dlqTopic } from '../../src/contracts/dlq.js';
import { startStage, type Stage } from '../../src/runtime/index.js';
import { NumberRecord, committedOffset, createTopics, produce, testConfig, testDeps, connectBroker, uniq, waitFor } from './helpers.js';

/** Backpressure: the input pauses at maxInFlight / maxBufferedOutputs and resumes below them. */
describe('backpressure', () => {
  let kafka: Kafka;
  let admin: Admin;
  beforeAll(async () => void ({ kafka, admin } = await connectBroker()));
  afterAll(() => admin.disconnect());

  async function run(opts: { maxInFlight: number; maxBufferedOutputs: number; blocked: (n: number) => boolean }) {
    const prefix = `${uniq('bp')}.`;
    await createTopics(admin, [`${prefix}in`, `${prefix}out`, dlqTopic(`${prefix}in`, 'gated')], 1);
    await produce(kafka, `${prefix}in`, Array.from({ length: 200 }, (_, n) => ({ key: String(n), value: JSON.stringify({ n }) })));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stage: Stage<{ n: number }> = {
      name: 'gated',
      input: { topic: 'in', schema: NumberRecord },
      outputs: { out: z.object({ n: z.number() }) },
      ordering: 'unordered',
      async process(rec) {
        if (opts.blocked(rec.n)) await gate;
        return [{ topic: 'out', key: String(rec.n), value: { n: rec.n } }];
      },
    };
    const deps = testDeps(testConfig({ maxInFlight: opts.maxInFlight, maxBufferedOutputs: opts.maxBufferedOutputs }), { topicPrefix: prefix });
    const handle = await startStage(stage, deps);
    const value = async (name: string) => ((await deps.metrics.registry.getSingleMetric(name)!.get()).values.reduce((a, v) => a + v.value, 0));
    return { handle, deps, release, value, prefix };
  }

  it('pauses at maxInFlight: no more records are taken while the stage is saturated', async () => {
    const t = await run({ maxInFlight: 4, maxBufferedOutputs: 1000, blocked: () => true });
    await waitFor('input paused', async () => (await t.value('personahub_paused_partitions')) > 0);
    expect(await t.value('personahub_in_flight_records')).toBe(4);
    expect(await t.value('personahub_records_in_total')).toBe(4);
    t.release();
    await waitFor('all committed', async () => (await committedOffset(admin, t.handle.groupId, `${t.prefix}in`)) === 200);
    expect(await t.value('personahub_paused_partitions')).toBe(0);
    await t.handle.stop();
  });

  it('pauses at maxBufferedOutputs: completed results behind an incomplete record are bounded', async () => {
    const t = await run({ maxInFlight: 50, maxBufferedOutputs: 10, blocked: (n) => n === 0 });
    await waitFor('input paused', async () => (await t.value('personahub_paused_partitions')) > 0);
    const buffered = await t.value('personahub_buffered_outputs');
    expect(buffered).toBeGreaterThanOrEqual(10);
    // at most one more wave than the bound: records already running when the bound was reached
    expect(await t.value('personahub_records_in_total')).toBeLessThanOrEqual(10 + 50);
    t.release();
    await waitFor('all committed', async () => (await committedOffset(admin, t.handle.groupId, `${t.prefix}in`)) === 200);
    await t.handle.stop();
  });
});
