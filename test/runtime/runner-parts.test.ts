import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { fatal, retriable } from '../../src/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics/catalogue.js';
import { TransactionalCommitter, isRedo } from '../../src/runtime/committer.js';
import { Mutex } from '../../src/runtime/mutex.js';
import { PartitionManager } from '../../src/runtime/partition-manager.js';
import type { PartitionState } from '../../src/runtime/partition-state.js';
import { StageRunner } from '../../src/runtime/stage-runner.js';
import { jsonCodec, type Stage } from '../../src/runtime/index.js';
import { FakeBroker, FakeConsumer, FakeProducer } from './fakes.js';

/**
 * The runner's parts without a broker, through the fake client port (test/runtime/fakes.ts): named scenarios in
 * the style of parallel-consumer's tests. The same guarantees are checked on the real broker in *.int.test.ts.
 */
const logger = createLogger('parts', 'silent');
const until = async (cond: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 2));
  }
};

function manager(consumer: FakeConsumer, extra: Partial<ConstructorParameters<typeof PartitionManager>[0]> = {}) {
  const mutex = new Mutex();
  const log: string[] = [];
  const m = new PartitionManager({
    consumer,
    logger,
    exclusive: (s) => mutex.run(s),
    commitFinal: async (states: PartitionState[]) => void log.push(`final ${states.map((s) => s.partition).join(',')}`),
    onChange: () => undefined,
    onRebalance: () => undefined,
    fail: (e) => void log.push(`fail ${e.code}`),
    resume: (p) => consumer.resume([p]),
    setWaiting: (p, w) => void log.push(`waiting ${p} ${w}`),
    ...extra,
  });
  return { m, log, mutex };
}

describe('partition manager', () => {
  it('assigned: paused until the committed offset is known and the store restored, then resumed where librdkafka starts it', async () => {
    const broker = new FakeBroker();
    broker.committed.set(0, 7);
    const consumer = new FakeConsumer(broker);
    const restored: number[] = [];
    const { m } = manager(consumer, { store: { restore: async (p) => void restored.push(p), drop: () => undefined } });
    await consumer.start(m);
    consumer.assign([0]);
    expect(m.get(0)!.active).toBe(false);
    expect(consumer.paused.has(0)).toBe(true);
    await until(() => m.get(0)!.active);
    expect(restored).toEqual([0]);
    expect(m.get(0)!.tracker!.committed).toBe(7);
    expect(consumer.calls).toEqual(['resume 0']); // no seek before the first fetch (it can fail there)
  });

  it('an outage while initialising is retried (readiness says waiting), not fatal', async () => {
    const broker = new FakeBroker();
    const consumer = new FakeConsumer(broker);
    consumer.failCommitted = 2;
    const { m, log } = manager(consumer);
    await consumer.start(m);
    consumer.assign([3]);
    await until(() => m.get(3)?.active === true, 10_000);
    expect(log.filter((l) => l === 'waiting 3 true')).toHaveLength(2);
    expect(log.at(-1)).toBe('waiting 3 false');
    expect(log.some((l) => l.startsWith('fail'))).toBe(false);
  });

  it('revoking: in-flight work aborted, final commit exclusive with rounds, then the partition is gone', async () => {
    const broker = new FakeBroker();
    const consumer = new FakeConsumer(broker);
    const { m, log, mutex } = manager(consumer);
    await consumer.start(m);
    consumer.assign([0, 1]);
    await until(() => m.active().length === 2);
    const s0 = m.get(0)!;
    s0.tracker!.begin(0);
    s0.tracker!.complete(0, { outcome: 'ok', messages: [] });
    // a commit round is in progress: the revocation must wait for it
    let releaseRound!: () => void;
    const round = mutex.run(() => new Promise<void>((r) => (releaseRound = r)).then(() => void log.push('round done')));
    const revoked = consumer.revoke([0]);
    await new Promise((r) => setTimeout(r, 20));
    expect(s0.abort.signal.aborted).toBe(true);
    expect(log).not.toContain('final 0');
    releaseRound();
    await round;
    await revoked;
    expect(log.slice(-2)).toEqual(['round done', 'final 0']);
    expect(m.get(0)).toBeUndefined();
    expect(s0.closed).toBe(true);
    expect(m.get(1)!.active).toBe(true); // the partition that stays keeps its state
  });

  it('lost assignment: nothing is committed for the partition', async () => {
    const broker = new FakeBroker();
    const consumer = new FakeConsumer(broker);
    const { m, log } = manager(consumer);
    await consumer.start(m);
    consumer.assign([0]);
    await until(() => m.active().length === 1);
    m.get(0)!.tracker!.begin(0);
    m.get(0)!.tracker!.complete(0, { outcome: 'ok', messages: [] });
    await consumer.revoke([0], true);
    expect(log.filter((l) => l.startsWith('final'))).toEqual([]);
  });

  it('reset: a new epoch from the last committed offset, the store restored again', async () => {
    const broker = new FakeBroker();
    const consumer = new FakeConsumer(broker);
    const events: string[] = [];
    const { m } = manager(consumer, { store: { restore: async (p) => void events.push(`restore ${p}`), drop: (p) => void events.push(`drop ${p}`) } });
    await consumer.start(m);
    consumer.assign([0]);
    await until(() => m.get(0)?.active === true);
    const old = m.get(0)!;
    old.tracker!.begin(0);
    old.tracker!.begin(1);
    old.tracker!.complete(0, { outcome: 'ok', messages: [] });
    old.tracker!.commitSucceeded(1);
    m.reset([0]);
    expect(old.closed).toBe(true);
    await until(() => m.get(0)?.active === true);
    expect(m.get(0)!.epoch).toBeGreaterThan(old.epoch);
    expect(m.get(0)!.tracker!.committed).toBe(1);
    expect(consumer.calls).toContain('seek 0@1');
    expect(events).toEqual(['restore 0', 'drop 0', 'restore 0']);
  });
});

describe('transactional committer', () => {
  const deps = (producers: FakeProducer[]) => {
    const waits: string[] = [];
    let i = 0;
    return {
      waits,
      deps: { newProducer: async () => producers[i++]!, consumer: new FakeConsumer(new FakeBroker()), logger, onWait: (e: { code: string }) => void waits.push(e.code) },
    };
  };
  const msg = (topic: string) => ({ topic, logicalTopic: topic, key: 'k', value: Buffer.from('{}'), headers: {} });

  it('outputs and offsets in one committed transaction', async () => {
    const broker = new FakeBroker();
    const producer = new FakeProducer(broker);
    const c = new TransactionalCommitter(deps([producer]).deps);
    await c.commit([msg('out')], [{ partition: 0, offset: 5 }], new AbortController().signal);
    expect(producer.calls).toEqual(['begin', 'sendOffsets', 'commit']);
    expect(broker.visible()).toHaveLength(1);
    expect(broker.committed.get(0)).toBe(5);
  });

  it('a failure before the commit call aborts (retrying the abort while the broker is away) and asks for a redo', async () => {
    const broker = new FakeBroker();
    const producer = new FakeProducer(broker);
    producer.failures.sendOffsets = [retriable('kafka_retriable', 'coordinator not available')];
    producer.failures.abortTransaction = [retriable('kafka_retriable', 'broker away'), retriable('kafka_retriable', 'broker away')];
    const d = deps([producer]);
    const c = new TransactionalCommitter(d.deps);
    const err = await c.commit([msg('out')], [{ partition: 0, offset: 5 }], new AbortController().signal).catch((e: unknown) => e);
    expect(isRedo(err)).toBe(true);
    expect(producer.calls).toEqual(['begin', 'sendOffsets', 'abort', 'abort', 'abort']);
    expect(broker.visible()).toEqual([]); // nothing of the round is visible
    expect(broker.committed.get(0)).toBeUndefined();
    expect(d.waits).toEqual(['kafka_retriable', 'kafka_retriable']);
  });

  it('a commit call that times out is retried as is, never aborted', async () => {
    const broker = new FakeBroker();
    const producer = new FakeProducer(broker);
    producer.failures.commitTransaction = [retriable('kafka_retriable', 'timed out'), retriable('kafka_retriable', 'timed out')];
    const c = new TransactionalCommitter(deps([producer]).deps);
    await c.commit([msg('out')], [{ partition: 0, offset: 2 }], new AbortController().signal);
    expect(producer.calls).toEqual(['begin', 'sendOffsets', 'commit', 'commit', 'commit']);
    expect(broker.visible()).toHaveLength(1);
  });

  it('a fatal producer error replaces the producer and asks for a redo', async () => {
    const broker = new FakeBroker();
    const first = new FakeProducer(broker);
    const second = new FakeProducer(broker);
    first.failures.commitTransaction = [fatal('kafka_fatal', 'epoch bumped')];
    const c = new TransactionalCommitter(deps([first, second]).deps);
    const err = await c.commit([msg('out')], [{ partition: 0, offset: 1 }], new AbortController().signal).catch((e: unknown) => e);
    expect(isRedo(err)).toBe(true);
    expect(first.disconnected).toBe(true);
    await c.commit([msg('out')], [{ partition: 0, offset: 1 }], new AbortController().signal);
    expect(second.calls).toEqual(['begin', 'sendOffsets', 'commit']);
  });
});

describe('stage runner on the fake port', () => {
  const In = z.object({ n: z.number() });
  const stage = (delayOf: (n: number) => number): Stage<{ n: number }> => ({
    name: 'double',
    input: { topic: 'in', schema: In },
    outputs: { out: z.object({ d: z.number() }) },
    ordering: 'unordered',
    async process(rec) {
      await new Promise((r) => setTimeout(r, delayOf(rec.n)));
      return [{ topic: 'out', key: String(rec.n), value: { d: rec.n * 2 } }];
    },
  });
  const runner = (broker: FakeBroker, consumer: FakeConsumer, producers: FakeProducer[], s: Stage<{ n: number }>) => {
    const config = loadConfig(undefined, {});
    let i = 0;
    return new StageRunner(s as Stage<unknown>, { config, metrics: createMetrics(new Registry()), logger, codec: jsonCodec, runtime: { commitIntervalMs: 5, maxInFlight: 8 } }, {
      consumer,
      newProducer: async () => producers[Math.min(i++, producers.length - 1)]!,
    });
  };

  it('every input once in the visible output, out-of-order completion, across a failed round and a revocation', async () => {
    const broker = new FakeBroker();
    broker.append(0, Array.from({ length: 40 }, (_, n) => ({ n })));
    broker.append(1, Array.from({ length: 40 }, (_, n) => ({ n: 100 + n })));
    const consumer = new FakeConsumer(broker);
    const producer = new FakeProducer(broker);
    // the third round's transaction fails before commit: its partitions restart from their committed offsets
    let rounds = 0;
    const send = producer.sendOffsets.bind(producer);
    producer.sendOffsets = async (o) => {
      if (++rounds === 3) throw retriable('kafka_txn_abort', 'abortable error');
      return send(o);
    };
    const r = runner(broker, consumer, [producer], stage((n) => (n * 7) % 13));
    await r.start();
    consumer.assign([0, 1]);
    await until(() => (broker.committed.get(0) ?? 0) >= 10);
    await consumer.revoke([1]); // moves to another instance mid-stream ...
    consumer.assign([1]); // ... and comes back
    await until(() => broker.committed.get(0) === 40 && broker.committed.get(1) === 40, 10_000);
    await r.stop();
    const seen = broker.visible().map((m) => Number(m.key));
    expect([...seen].sort((a, b) => a - b)).toEqual([...Array.from({ length: 40 }, (_, n) => n), ...Array.from({ length: 40 }, (_, n) => 100 + n)]);
    expect(broker.produced.some((p) => p.state === 'aborted')).toBe(true); // the failed round really published nothing
  });

  it('records fetched while a newly assigned partition initialises are kept and handed over once, in order', async () => {
    const broker = new FakeBroker();
    broker.append(0, Array.from({ length: 30 }, (_, n) => ({ n })));
    const consumer = new FakeConsumer(broker);
    consumer.ignorePause = true; // the race: a fetch already under way when the partition is paused
    consumer.failCommitted = 1; // initialisation takes a while (one retried committed-offset read)
    const producer = new FakeProducer(broker);
    const r = runner(broker, consumer, [producer], stage(() => 0));
    await r.start();
    consumer.assign([0]);
    await until(() => broker.committed.get(0) === 30, 10_000);
    await r.stop();
    expect(broker.visible().map((m) => Number(m.key))).toEqual(Array.from({ length: 30 }, (_, n) => n).sort((a, b) => a - b));
  });

  it('after a failed round, a stale consumer position never moves the restarted partition past records it must redo', async () => {
    const broker = new FakeBroker();
    broker.append(0, Array.from({ length: 60 }, (_, n) => ({ n })));
    const consumer = new FakeConsumer(broker);
    consumer.stalePositionAfterSeek = true;
    consumer.ignorePause = true; // records keep arriving while the reset partition initialises (and are dropped)
    const producer = new FakeProducer(broker);
    let rounds = 0;
    const send = producer.sendOffsets.bind(producer);
    producer.sendOffsets = async (o) => {
      if (++rounds === 2) throw retriable('kafka_txn_abort', 'abortable error');
      return send(o);
    };
    const r = runner(broker, consumer, [producer], stage((n) => (n % 5) * 3));
    await r.start();
    consumer.assign([0]);
    await until(() => broker.committed.get(0) === 60, 10_000);
    await r.stop();
    expect(broker.visible().map((m) => Number(m.key)).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, n) => n));
  });

  it('a re-assigned partition is not moved to the position librdkafka kept from its earlier assignment', async () => {
    const broker = new FakeBroker();
    broker.append(0, Array.from({ length: 40 }, (_, n) => ({ n })));
    const consumer = new FakeConsumer(broker);
    consumer.stalePositionAfterSeek = true; // the reported position outlives the assignment, like librdkafka's
    const producer = new FakeProducer(broker);
    // Records 10 and up are slow: when the partition is taken away, they are in flight and get redone.
    const r = runner(broker, consumer, [producer], stage((n) => (n >= 10 ? 300 : 0)));
    await r.start();
    consumer.assign([0]);
    await until(() => (broker.committed.get(0) ?? 0) >= 10);
    await consumer.revoke([0]);
    expect(consumer.position(0)).toBeGreaterThan(broker.committed.get(0)!); // stale: past the committed offset
    consumer.assign([0]);
    await until(() => broker.committed.get(0) === 40, 20_000);
    await r.stop();
    expect(broker.visible().map((m) => Number(m.key)).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n));
  });

  it('stop() leaves no timer behind: a stopped process ends at once (a leftover shutdown-bound timer once held every `run` process open past its exit watchdog)', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const broker = new FakeBroker();
    broker.append(0, Array.from({ length: 10 }, (_, n) => ({ n })));
    const consumer = new FakeConsumer(broker);
    const r = runner(broker, consumer, [new FakeProducer(broker)], stage(() => 0));
    await r.start();
    consumer.assign([0]);
    await until(() => broker.committed.get(0) === 10);
    await r.stop();
    expect(timers()).toBe(before);
  });

  it('a failed final commit of a revoked partition does not bring the partition back (no state is left for a partition given up)', async () => {
    const broker = new FakeBroker();
    broker.append(0, Array.from({ length: 5 }, (_, n) => ({ n })));
    const consumer = new FakeConsumer(broker);
    const producer = new FakeProducer(broker);
    const config = loadConfig(undefined, {});
    // no periodic rounds: the revocation's final commit is the only one
    const r = new StageRunner(stage(() => 0) as Stage<unknown>, { config, metrics: createMetrics(new Registry()), logger, codec: jsonCodec, runtime: { commitIntervalMs: 600_000 } }, {
      consumer,
      newProducer: async () => producer,
    });
    const parts = (r as unknown as { partitions: PartitionManager }).partitions;
    await r.start();
    consumer.assign([0]);
    await until(() => parts.get(0)?.tracker?.watermark() === 5);
    producer.sendOffsets = async () => {
      throw retriable('kafka_txn_abort', 'abortable error');
    };
    await consumer.revoke([0]);
    expect(parts.get(0)).toBeUndefined();
    expect(parts.size).toBe(0);
    await r.stop();
    expect(broker.committed.get(0)).toBeUndefined();
  });
});

