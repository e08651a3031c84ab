import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from '../../src/kafka/client.js';
import type { Kafka } from './helpers.js';
import { z } from 'zod';
import { poison, retriable } from '../../src/errors.js';
import { jsonCodec } from '../../src/runtime/json-codec.js';
import { DLQ_HEADERS, dlqTopic } from '../../src/contracts/dlq.js';
import { startStage, type Stage } from '../../src/runtime/index.js';
import { NumberRecord, committedOffset, createTopics, produce, readAll, setCommittedOffset, testConfig, testDeps, connectBroker, uniq, waitFor } from './helpers.js';

const Out = z.object({ n: z.number().int(), doubled: z.number().int() });

function doubler(name: string, opts: { delay?: (n: number) => number; poisonAt?: number; ordering?: Stage['ordering'] } = {}): Stage<{ n: number }> {
  return {
    name,
    input: { topic: 'in', schema: NumberRecord },
    outputs: { out: Out },
    ordering: opts.ordering ?? 'unordered',
    async process(rec, ctx) {
      if (rec.n === opts.poisonAt) throw poison('input_rejected', `record ${rec.n} is poison`);
      const ms = opts.delay?.(rec.n) ?? 0;
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      if (ctx.signal.aborted) return [];
      return [{ topic: 'out', key: String(rec.n), value: { n: rec.n, doubled: rec.n * 2 } }];
    },
  };
}

describe('runtime on the real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  beforeAll(async () => void ({ kafka, admin } = await connectBroker()));
  afterAll(async () => {
    await admin.disconnect();
  });

  async function setup(partitions = 1) {
    const prefix = `${uniq('rt')}.`;
    const name = 'doubler';
    await createTopics(admin, [`${prefix}in`, dlqTopic(`${prefix}in`, name)], partitions);
    // one output partition: a read_committed reader sees outputs in commit order
    await createTopics(admin, [`${prefix}out`], 1);
    return { prefix, name, input: `${prefix}in`, output: `${prefix}out`, dlq: dlqTopic(`${prefix}in`, name) };
  }

  it('exactly-once: every input produces one output; poison goes to the DLQ and the following records are processed', async () => {
    const t = await setup(2);
    const total = 40;
    await produce(kafka, t.input, [
      ...Array.from({ length: total }, (_, n) => ({ key: String(n), value: JSON.stringify({ n }) })),
      { key: 'bad-bytes', value: 'not json {' },
      { key: 'bad-schema', value: JSON.stringify({ n: 'seven' }) },
    ]);
    const deps = testDeps(testConfig(), { topicPrefix: t.prefix });
    const handle = await startStage(doubler(t.name, { poisonAt: 13, delay: (n) => (n * 7) % 30 }), deps);
    await handle.ready;
    const out = await readAll(kafka, t.output, (r) => r.length >= total - 1);
    const dlq = await readAll(kafka, t.dlq, (r) => r.length >= 3);
    await handle.stop();
    await handle.done;

    expect(out.map((r) => JSON.parse(r.value.toString()).n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: total }, (_, n) => n).filter((n) => n !== 13),
    );
    const codes = Object.fromEntries(dlq.map((r) => [r.key, r.headers[DLQ_HEADERS.code]]));
    expect(codes).toEqual({ '13': 'input_rejected', 'bad-bytes': 'decode_failed', 'bad-schema': 'schema_invalid' });
    const badBytes = dlq.find((r) => r.key === 'bad-bytes')!;
    expect(badBytes.value.toString()).toBe('not json {'); // original bytes
    expect(badBytes.headers[DLQ_HEADERS.stage]).toBe(t.name);
    expect(badBytes.headers[DLQ_HEADERS.sourceTopic]).toBe(t.input);
    const dead = (await deps.metrics.recordsDeadLettered.get()).values;
    const byCode = Object.fromEntries(dead.filter((v) => v.labels.stage === t.name && v.value > 0).map((v) => [v.labels.code, v.value]));
    expect(byCode).toEqual({ decode_failed: 1, schema_invalid: 1, input_rejected: 1 });
  });

  it('out-of-order completion: the committed offset never passes an incomplete record', async () => {
    const t = await setup(2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stage: Stage<{ n: number }> = {
      ...doubler(t.name),
      async process(rec, ctx) {
        if (rec.n === 3) await gate; // offset 3 of partition 0 stays incomplete
        return [{ topic: 'out', key: ctx.meta.key!, value: { n: rec.n, doubled: rec.n * 2 } }];
      },
    };
    // records 0..9 on partition 0, completing in shuffled order except 3, which waits for the gate
    await produce(kafka, t.input, Array.from({ length: 10 }, (_, n) => ({ partition: 0, key: String(n), value: JSON.stringify({ n }) })));
    const deps = testDeps(testConfig(), { topicPrefix: t.prefix });
    const handle = await startStage(stage, deps);
    const groupId = handle.groupId;
    await waitFor('offsets 0..2 committed', async () => (await committedOffset(admin, groupId, t.input, 0)) === 3);
    await waitFor('4..9 complete and buffered', async () => (await gauge(deps, 'personahub_buffered_outputs')) === 6);
    // a record on partition 1, committed in a later round: proof that rounds ran while 3 was incomplete
    await produce(kafka, t.input, [{ partition: 1, key: 'marker', value: JSON.stringify({ n: 100 }) }]);
    await waitFor('marker committed', async () => (await committedOffset(admin, groupId, t.input, 1)) === 1);
    expect(await committedOffset(admin, groupId, t.input, 0)).toBe(3);
    const before = await readAll(kafka, t.output, (r) => r.some((x) => x.key === 'marker'));
    expect(before.map((r) => r.key).sort()).toEqual(['0', '1', '2', 'marker']);

    release();
    await waitFor('all committed', async () => (await committedOffset(admin, groupId, t.input, 0)) === 10);
    const after = await readAll(kafka, t.output, (r) => r.length >= 11);
    expect(after.map((r) => Number(JSON.parse(r.value.toString()).n)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100]);
    await handle.stop();
  });

  it('restart from a lower committed offset reprocesses from that offset', async () => {
    const t = await setup(1);
    await produce(kafka, t.input, Array.from({ length: 20 }, (_, n) => ({ key: String(n), value: JSON.stringify({ n }) })));
    const config = testConfig();
    const first = await startStage(doubler(t.name), testDeps(config, { topicPrefix: t.prefix }));
    await waitFor('first run committed', async () => (await committedOffset(admin, first.groupId, t.input)) === 20);
    await first.stop();
    // an operator rewinds the group (e.g. to replay after a fix)
    await setCommittedOffset(kafka, first.groupId, t.input, 0, 5);
    const second = await startStage(doubler(t.name), testDeps(config, { topicPrefix: t.prefix }));
    await waitFor('second run committed', async () => (await committedOffset(admin, second.groupId, t.input)) === 20);
    const out = await readAll(kafka, t.output, (r) => r.length >= 35);
    await second.stop();
    const counts = new Map<number, number>();
    for (const r of out) {
      const n = Number(JSON.parse(r.value.toString()).n);
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    for (let n = 0; n < 20; n++) expect(counts.get(n), `n=${n}`).toBe(n < 5 ? 1 : 2);
  });

  it('at-least-once delivery: produce then commit', async () => {
    const t = await setup(1);
    await produce(kafka, t.input, Array.from({ length: 25 }, (_, n) => ({ key: String(n), value: JSON.stringify({ n }) })));
    const handle = await startStage(doubler(t.name, { delay: (n) => (n % 5) * 10 }), testDeps(testConfig({ delivery: 'at-least-once' }), { topicPrefix: t.prefix }));
    await waitFor('committed', async () => (await committedOffset(admin, handle.groupId, t.input)) === 25);
    const out = await readAll(kafka, t.output, (r) => r.length >= 25);
    await handle.stop();
    expect(new Set(out.map((r) => r.key)).size).toBe(25);
  });

  it('key ordering: records of one key complete in offset order', async () => {
    const t = await setup(1);
    // keys a,b,c interleaved; earlier records of a key are slower, so without ordering they would finish later
    const msgs = Array.from({ length: 30 }, (_, n) => ({ key: 'abc'[n % 3]!, value: JSON.stringify({ n }) }));
    await produce(kafka, t.input, msgs);
    const finished: Record<string, number[]> = { a: [], b: [], c: [] };
    const stage: Stage<{ n: number }> = {
      ...doubler(t.name, { ordering: 'key' }),
      async process(rec, ctx) {
        await new Promise((r) => setTimeout(r, 60 - rec.n * 2));
        finished[ctx.meta.key!]!.push(rec.n);
        return [{ topic: 'out', key: ctx.meta.key!, value: { n: rec.n, doubled: rec.n * 2 } }];
      },
    };
    const handle = await startStage(stage, testDeps(testConfig(), { topicPrefix: t.prefix }));
    await waitFor('committed', async () => (await committedOffset(admin, handle.groupId, t.input)) === 30);
    await handle.stop();
    for (const k of ['a', 'b', 'c']) {
      const seq = finished[k]!;
      expect(seq).toHaveLength(10);
      expect(seq).toEqual([...seq].sort((x, y) => x - y));
    }
  });

  it('a declared state store is restored from its changelog (read_committed) before any record of the partition', async () => {
    const t = await setup(1);
    const changelog = `${t.prefix}${t.name}.changelog`;
    await createTopics(admin, [changelog], 1);
    // Two committed entries and one in an aborted transaction: only the committed ones may be restored.
    const upstream = kafka.producer({ transactionalId: uniq('changelog-tx') });
    await upstream.connect();
    const ok = await upstream.transaction();
    await ok.send({ topic: changelog, messages: [{ key: 'a', value: JSON.stringify({ n: 100 }) }, { key: 'b', value: JSON.stringify({ n: 101 }) }] });
    await ok.commit();
    const aborted = await upstream.transaction();
    await aborted.send({ topic: changelog, messages: [{ key: 'c', value: JSON.stringify({ n: 999 }) }] });
    await aborted.abort();
    await upstream.disconnect();
    await produce(kafka, t.input, Array.from({ length: 5 }, (_, n) => ({ key: String(n), value: JSON.stringify({ n }) })));
    const events: string[] = [];
    const stage: Stage<{ n: number }> = {
      ...doubler(t.name),
      store: {
        changelogTopic: `${t.name}.changelog`,
        schema: NumberRecord,
        restore: (p, v) => void events.push(`restore ${p}:${v.n}`),
        drop: (p) => void events.push(`drop ${p}`),
      },
      async process(rec) {
        events.push(`process ${rec.n}`);
        return [{ topic: 'out', key: String(rec.n), value: { n: rec.n, doubled: rec.n * 2 } }];
      },
    };
    const deps = testDeps(testConfig(), { topicPrefix: t.prefix });
    const handle = await startStage(stage, deps);
    await waitFor('committed', async () => (await committedOffset(admin, handle.groupId, t.input)) === 5, 60_000);
    await handle.stop();
    expect(events.slice(0, 3)).toEqual(['drop 0', 'restore 0:100', 'restore 0:101']);
    expect(events.filter((e) => e.startsWith('restore'))).toHaveLength(2); // the aborted entry never applied
    expect(events.filter((e) => e.startsWith('process'))).toHaveLength(5);
    expect((await deps.metrics.stateRestoredRecords.get()).values[0]?.value).toBe(2);
  });

  it('a restore never skips an entry: while the registry is away it waits (nothing processed), then applies every entry; an entry it cannot apply stops the stage', async () => {
    const t = await setup(1);
    const changelog = `${t.prefix}${t.name}.changelog`;
    await createTopics(admin, [changelog], 1);
    await produce(kafka, changelog, [{ key: 'a', value: JSON.stringify({ n: 100 }) }, { key: 'b', value: JSON.stringify({ n: 101 }) }]);
    await produce(kafka, t.input, Array.from({ length: 3 }, (_, n) => ({ key: String(n), value: JSON.stringify({ n }) })));
    // The registry is "down" for the changelog's first 4 decodes (a restore retried at least once).
    let outage = 4;
    const codec = {
      ...jsonCodec,
      decode: async (topic: string, v: Buffer) => {
        if (topic === changelog && outage-- > 0) throw retriable('registry_unavailable', 'registry away (test)');
        return jsonCodec.decode(topic, v);
      },
    };
    const events: string[] = [];
    const stage = (name: string): Stage<{ n: number }> => ({
      ...doubler(name),
      store: { changelogTopic: `${t.name}.changelog`, schema: NumberRecord, restore: (p, v) => void events.push(`restore ${v.n}`), drop: () => undefined },
      async process(rec) {
        events.push(`process ${rec.n}`);
        return [{ topic: 'out', key: String(rec.n), value: { n: rec.n, doubled: rec.n * 2 } }];
      },
    });
    const handle = await startStage(stage(t.name), testDeps(testConfig(), { topicPrefix: t.prefix, codec }));
    await waitFor('committed', async () => (await committedOffset(admin, handle.groupId, t.input)) === 3, 60_000);
    await handle.stop();
    expect(outage).toBeLessThan(0);
    expect(events.slice(0, 2)).toEqual(['restore 100', 'restore 101']);
    expect(events.filter((e) => e.startsWith('process'))).toHaveLength(3);

    // An entry the store's schema rejects: fatal, naming the position; no record is processed on a partial state.
    await produce(kafka, changelog, [{ key: 'c', value: JSON.stringify({ n: 'not a number' }) }]);
    await produce(kafka, t.input, [{ key: '3', value: JSON.stringify({ n: 3 }) }]);
    events.length = 0;
    const second = await startStage(stage(t.name), testDeps(testConfig(), { topicPrefix: t.prefix }));
    const err = await second.done.then(() => undefined, (e: unknown) => e as { kind: string; message: string });
    expect(err?.kind).toBe('fatal');
    expect(err?.message).toMatch(/offset 2: entry does not match the store's schema/);
    expect(events.filter((e) => e.startsWith('process'))).toEqual([]);
  });

  it('input written in transactions: a drained stage commits past the transaction markers (no residual lag)', async () => {
    const t = await setup(1);
    // Three upstream transactions: each leaves a commit marker after its records, the last one at the very end.
    const upstream = kafka.producer({ transactionalId: uniq('upstream-tx') });
    await upstream.connect();
    for (let batch = 0; batch < 3; batch++) {
      const tx = await upstream.transaction();
      await tx.send({ topic: t.input, messages: Array.from({ length: 4 }, (_, i) => ({ key: `${batch}-${i}`, value: JSON.stringify({ n: batch * 4 + i }) })) });
      await tx.commit();
    }
    await upstream.disconnect();
    // The coordinator writes a commit marker after EndTxn has returned: wait until the last one is in the log.
    let high = 0;
    await waitFor('12 records + 3 markers in the log', async () => ((high = Number((await admin.fetchTopicOffsets(t.input))[0]!.high)), high === 15), 30_000);
    const deps = testDeps(testConfig(), { topicPrefix: t.prefix });
    const handle = await startStage(doubler(t.name), deps);
    await waitFor('committed offset at the end of the log', async () => (await committedOffset(admin, handle.groupId, t.input)) === high, 60_000);
    const out = await readAll(kafka, t.output, (r) => r.length >= 12);
    await handle.stop();
    expect(out).toHaveLength(12);
  });
});

async function gauge(deps: ReturnType<typeof testDeps>, name: string): Promise<number> {
  const m = await deps.metrics.registry.getSingleMetric(name)?.get();
  return m?.values.reduce((a, v) => a + v.value, 0) ?? 0;
}
