import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from '../../src/kafka/client.js';
import type { Kafka } from './helpers.js';
import { z } from 'zod';
import { dlqTopic } from '../../src/contracts/dlq.js';
import { startStage, type Stage } from '../../src/runtime/index.js';
import { NumberRecord, committedOffset, createTopics, produce, readAll, testConfig, testDeps, connectBroker, uniq, waitFor } from './helpers.js';

/** Revocation mid-flight: a second instance joins while the first has records in flight on every partition. */
describe('rebalance', () => {
  let kafka: Kafka;
  let admin: Admin;
  beforeAll(async () => void ({ kafka, admin } = await connectBroker()));
  afterAll(() => admin.disconnect());

  it('work of revoked partitions is dropped, re-done by the new owner, published exactly once', async () => {
    const prefix = `${uniq('reb')}.`;
    const input = `${prefix}in`;
    await createTopics(admin, [input, dlqTopic(input, 'slow'), `${prefix}out`], 4);
    const total = 800;
    await produce(kafka, input, Array.from({ length: total }, (_, n) => ({ key: String(n), value: JSON.stringify({ n }) })));
    const processedBy: Record<string, number> = {};
    const aborted: Record<string, number> = {};
    // After its first 30 records, `a` holds every other record in flight until it has seen a revocation: so when
    // `b` joins, `a` certainly has work in flight on the partitions it loses, whatever the machine's speed.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stage = (who: string): Stage<{ n: number }> => ({
      name: 'slow',
      input: { topic: 'in', schema: NumberRecord },
      outputs: { out: z.object({ n: z.number().int(), by: z.string() }) },
      ordering: 'unordered',
      async process(rec, ctx) {
        await new Promise((r) => setTimeout(r, 100 + (rec.n % 7) * 40));
        // Hazard: an abort event never fires again for a signal aborted while the record slept above; waiting on it
        // then would hold the record (and the test) until the 120 s timeout.
        if (who === 'a' && (processedBy.a ?? 0) >= 30 && !ctx.signal.aborted) {
          await Promise.race([gate, new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }))]);
        }
        if (ctx.signal.aborted) {
          aborted[who] = (aborted[who] ?? 0) + 1;
          return [];
        }
        processedBy[who] = (processedBy[who] ?? 0) + 1;
        return [{ topic: 'out', key: String(rec.n), value: { n: rec.n, by: who } }];
      },
    });
    // every record may be in flight at once, so `a` holds records of all four partitions
    const config = testConfig({ maxInFlight: total, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 });
    const depsA = testDeps(config, { topicPrefix: prefix });
    const a = await startStage(stage('a'), depsA);
    await a.ready;
    await waitFor('a has processed some and holds the rest in flight', async () => (processedBy.a ?? 0) >= 30);
    const depsB = testDeps(config, { topicPrefix: prefix });
    let b: Awaited<ReturnType<typeof startStage>> | undefined;
    const ends = await admin.fetchTopicOffsets(input);
    try {
      b = await startStage(stage('b'), depsB);
      await b.ready;
      await waitFor('a aborted the work of the partitions it lost', () => (aborted.a ?? 0) > 0, 120_000);
      release();
      await waitFor('everything committed', async () => {
        for (const e of ends) if ((await committedOffset(admin, a.groupId, input, e.partition)) < Number(e.high)) return false;
        return true;
      }, 120_000, 200);
    } catch (e) {
      release();
      // Say where it stands, so a failure on a loaded machine can be diagnosed from the log alone.
      const state = async (deps: typeof depsA) => {
        const out: Record<string, unknown> = {};
        for (const m of ['personahub_in_flight_records', 'personahub_buffered_outputs', 'personahub_paused_partitions', 'personahub_committed_offset', 'personahub_transactions_total', 'personahub_rebalances_total', 'personahub_stage_ready', 'personahub_consumer_lag_records']) {
          out[m] = (await deps.metrics.registry.getSingleMetric(m)!.get()).values.map((v) => [v.labels.partition ?? v.labels.outcome ?? '', v.value]);
        }
        return out;
      };
      const committed = await Promise.all(ends.map(async (x) => [x.partition, await committedOffset(admin, a.groupId, input, x.partition), Number(x.high)]));
      await Promise.all([a.stop(), b?.stop()]).catch(() => undefined);
      process.stderr.write(`rebalance test state (${(e as Error).message}): committed/high ${JSON.stringify(committed)} processed ${JSON.stringify(processedBy)} aborted ${JSON.stringify(aborted)}\na: ${JSON.stringify(await state(depsA))}\nb: ${JSON.stringify(await state(depsB))}\n`);
      throw e;
    }
    await Promise.all([a.stop(), b!.stop()]);

    const out = await readAll(kafka, `${prefix}out`, (r) => r.length >= total);
    const counts = new Map<number, number>();
    for (const r of out) {
      const n = Number(JSON.parse(r.value.toString()).n);
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    const missing = Array.from({ length: total }, (_, n) => n).filter((n) => !counts.has(n));
    const dup = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
    expect({ missing, dup }).toEqual({ missing: [], dup: [] });
    expect(aborted.a, 'records of a that were in flight on revoked partitions').toBeGreaterThan(0);
    expect(new Set(out.map((r) => JSON.parse(r.value.toString()).by))).toEqual(new Set(['a', 'b']));
    const rebalances = await depsA.metrics.registry.getSingleMetric('personahub_rebalances_total')!.get();
    expect(rebalances.values[0]!.value).toBeGreaterThanOrEqual(2);
  });
});
