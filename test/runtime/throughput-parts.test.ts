import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics/catalogue.js';
import { TransactionalCommitter } from '../../src/runtime/committer.js';
import { StageRunner } from '../../src/runtime/stage-runner.js';
import { OrderedScheduler } from '../../src/runtime/scheduler.js';
import { jsonCodec, type Stage } from '../../src/runtime/index.js';
import { FakeBroker, FakeConsumer, FakeProducer } from './fakes.js';

/**
 * The runtime's throughput mechanisms (docs/runtime.md "Hot path"), on the fake client port: each one observable
 * behaviour that the old runtime lacked. Throughput itself is measured by `npm run bench -- stage`, not here.
 */
const logger = createLogger('throughput', 'silent');
const until = async (cond: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 2));
  }
};

const In = z.object({ n: z.number() });
const passThrough: Stage<{ n: number }> = {
  name: 'pass',
  input: { topic: 'in', schema: In },
  outputs: { out: In },
  ordering: 'unordered',
  async process(rec) {
    return [{ topic: 'out', key: String(rec.n), value: rec }];
  },
};

describe('runtime throughput mechanisms', () => {
  it('a round starts once completed outputs fill half of maxBufferedOutputs, without waiting out commitIntervalMs', async () => {
    const broker = new FakeBroker();
    broker.append(0, Array.from({ length: 100 }, (_, n) => ({ n })));
    const consumer = new FakeConsumer(broker);
    const producer = new FakeProducer(broker);
    const metrics = createMetrics(new Registry());
    // Ten minutes between periodic rounds: any commit seen within seconds was started by the buffer.
    const runtime = { commitIntervalMs: 600_000, maxInFlight: 8, maxBufferedOutputs: 20 };
    const r = new StageRunner(passThrough as Stage<unknown>, { config: loadConfig(undefined, {}), metrics, logger, codec: jsonCodec, runtime }, { consumer, newProducer: async () => producer });
    await r.start();
    consumer.assign([0]);
    await until(() => (broker.committed.get(0) ?? 0) >= 80);
    const rounds = producer.calls.filter((c) => c === 'commit').length;
    // Early rounds carry at least half the buffer each: no flood of tiny transactions.
    expect(rounds).toBeLessThanOrEqual(80 / 10);
    // stop() stops fetching, drains what was handed over and commits it in a last round.
    await r.stop();
    const committed = broker.committed.get(0)!;
    expect(broker.visible()).toHaveLength(committed);
    // Counted per poll and per round, the counters still add up to every record handed over and published.
    const value = async (name: 'recordsIn' | 'recordsOut') => (await metrics[name].get()).values.reduce((a, v) => a + v.value, 0);
    expect(await value('recordsIn')).toBe(committed);
    expect(await value('recordsOut')).toBe(committed);
  });

  it('the transactional producer is built at start (prepare) and the first round uses that one, not a second', async () => {
    const broker = new FakeBroker();
    let built = 0;
    const c = new TransactionalCommitter({
      newProducer: async () => {
        built++;
        await new Promise((r) => setTimeout(r, 20)); // a round arriving while it is being built shares it
        return new FakeProducer(broker);
      },
      consumer: new FakeConsumer(broker),
      logger,
      onWait: () => undefined,
    });
    c.prepare();
    await c.commit([{ topic: 'out', logicalTopic: 'out', key: 'k', value: Buffer.from('{}'), headers: {} }], [{ partition: 0, offset: 1 }], new AbortController().signal);
    expect(built).toBe(1);
    expect(broker.committed.get(0)).toBe(1);
    await c.close();
  });

  it('scheduler.run: callback after the task is counted out, ordering kept per key, a rejected task reported as undefined', async () => {
    const s = new OrderedScheduler('key', 4);
    const log: string[] = [];
    const done = new Promise<void>((resolve) => {
      let left = 3;
      const finished = (name: string) => (v: string | undefined) => {
        log.push(`${name}:${v ?? 'undefined'}:${s.pending}`);
        if (--left === 0) resolve();
      };
      s.run('k', async () => { await new Promise((r) => setTimeout(r, 10)); return 'a'; }, finished('a'));
      s.run('k', async () => 'b', finished('b'));
      s.run(undefined, async () => { throw new Error('x'); }, finished('c'));
    });
    await done;
    expect(log).toEqual(['c:undefined:2', 'a:a:1', 'b:b:0']);
  });
});
