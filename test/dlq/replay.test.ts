import { describe, expect, it } from 'vitest';
import { REPLAY_HEADERS } from '../../src/contracts/dlq.js';
import { fatal, retriable } from '../../src/errors.js';
import { executeReplay } from '../../src/dlq/execute.js';
import { formatPlan, planReplay, type PlanInput } from '../../src/dlq/plan.js';
import type { ReplayPorts } from '../../src/dlq/ports.js';
import { parseSelection } from '../../src/dlq/selection.js';
import { createLogger } from '../../src/logger.js';
import { FakeBroker, FakeProducer } from '../runtime/fakes.js';
import { TARGET, deadLetter } from './fixtures.js';

/**
 * Plan and execution over fake ports: the fake broker's input is the dead-letter topic (partition 0), its committed
 * offsets are the replay group's, and what a read_committed consumer of the stage's input would see is `visible()`.
 */
function fakePorts(broker: FakeBroker, producers: FakeProducer[] = []): ReplayPorts & { made: FakeProducer[] } {
  const made: FakeProducer[] = [];
  return {
    made,
    read: async (o) => {
      const log = broker.input.get(0) ?? [];
      const start = broker.committed.get(0) ?? 0;
      const end = o.ends?.get(0) ?? log.length;
      o.onRange?.([{ partition: 0, start, end: Math.max(start, end) }]);
      for (const r of log.slice(start, end)) await o.onRecord(r);
      await o.onEnd?.();
    },
    newProducer: async () => {
      const p = producers.shift() ?? new FakeProducer(broker);
      made.push(p);
      return p;
    },
  };
}

/** 0-5 first dead letters; 6 poison; 7-9 dead letters of an earlier replay of 0-2 that failed again. */
function dlqWithHistory(): FakeBroker {
  const broker = new FakeBroker();
  broker.input.set(0, [
    ...[0, 1, 2, 3, 4, 5].map((offset) => deadLetter({ offset })),
    deadLetter({ offset: 6, kind: 'poison', code: 'schema_invalid' }),
    ...[7, 8, 9].map((offset) => deadLetter({ offset, replay: { id: 'r-before', attempt: 1, fromOffset: offset - 7 } })),
  ]);
  return broker;
}

const input = (extra: object = {}): PlanInput => ({
  target: TARGET,
  selection: parseSelection({ dlqTopic: TARGET.dlqTopic, kinds: ['retriable'], maxAttempts: 3, ...extra }),
  replayId: 'r-now',
  derivedId: false,
  groupId: 'personahub.dlq-replay.x.r-now',
});
const logger = createLogger('dlq-test', 'silent');
const replayedOffsets = (broker: FakeBroker) => broker.visible().map((m) => Number(m.headers[REPLAY_HEADERS.dlqOffset]));

describe('dlq replay: plan', () => {
  it('counts what will be replayed by code, skipped by reason (superseded known only after the fact) and outside the selection', async () => {
    const plan = await planReplay(fakePorts(dlqWithHistory()), input());
    expect(plan.range).toEqual([{ partition: 0, start: 0, end: 10 }]);
    expect(plan.tally.toJSON()).toEqual({ replay: { llm_connection: 6 }, skipped: { superseded: 3 }, outside: 1 });
    expect([...plan.superseded].sort()).toEqual(['0:0', '0:1', '0:2']);
    const text = formatPlan(plan, true);
    expect(text).toContain('(dry run: nothing is written)');
    expect(text).toMatch(/to replay\s+6\s+llm_connection=6/);
    expect(text).toMatch(/skipped\s+3\s+superseded=3/);
    expect(text).toMatch(/outside\s+1/);
  });

  it('an attempt limit skips records replayed that often already', async () => {
    const plan = await planReplay(fakePorts(dlqWithHistory()), input({ maxAttempts: 1 }));
    expect(plan.tally.toJSON()).toEqual({ replay: { llm_connection: 3 }, skipped: { superseded: 3, max_attempts: 3 }, outside: 1 });
  });
});

describe('dlq replay: execution', () => {
  it('replays each selected dead letter once, in transactions of batchSize with the progress; a second run replays nothing', async () => {
    const broker = dlqWithHistory();
    const ports = fakePorts(broker);
    const plan = await planReplay(ports, input());
    const commits: number[] = [];
    const done = await executeReplay(ports, plan, { batchSize: 4, logger, onCommit: (t) => commits.push(t.total) });
    expect(replayedOffsets(broker)).toEqual([3, 4, 5, 7, 8, 9]);
    expect(broker.visible().every((m) => m.topic === 'p.personas.unique')).toBe(true);
    expect(broker.committed.get(0)).toBe(10);
    expect(commits).toEqual([4, 8, 10]);
    expect(done.toJSON()).toEqual(plan.tally.toJSON());

    const again = await planReplay(ports, input());
    expect(again.range).toEqual([{ partition: 0, start: 10, end: 10 }]);
    expect(again.tally.total).toBe(0);
    expect((await executeReplay(ports, again, { batchSize: 4, logger })).total).toBe(0);
    expect(broker.visible()).toHaveLength(6);
  });

  it('a transaction that fails is aborted and the run resumes from the committed progress: no duplicate, no loss', async () => {
    const broker = dlqWithHistory();
    const failing = new FakeProducer(broker);
    failing.failures.commitTransaction = [undefined as never, retriable('kafka_retriable', 'coordinator moved')];
    const ports = fakePorts(broker, [failing]);
    const plan = await planReplay(ports, input());
    const done = await executeReplay(ports, plan, { batchSize: 2, logger });
    expect(replayedOffsets(broker)).toEqual([3, 4, 5, 7, 8, 9]);
    expect(broker.produced.filter((p) => p.state === 'aborted')).toHaveLength(1);
    expect(ports.made).toHaveLength(2);
    expect(failing.disconnected).toBe(true);
    expect(done.replayed).toBe(6);
  });

  it('a fenced producer (another run of the same replay id took over) stops this run with what it committed', async () => {
    const broker = dlqWithHistory();
    const fenced = new FakeProducer(broker);
    fenced.failures.sendOffsets = [undefined as never, fatal('fenced', 'producer fenced')];
    const ports = fakePorts(broker, [fenced]);
    const plan = await planReplay(ports, input());
    await expect(executeReplay(ports, plan, { batchSize: 4, logger })).rejects.toMatchObject({ code: 'fenced', message: /another run of replay r-now took over/ });
    expect(replayedOffsets(broker)).toEqual([3]);
    expect(broker.committed.get(0)).toBe(4);
  });

  it('gives up after maxRuns failed runs, saying that a re-run resumes', async () => {
    const broker = dlqWithHistory();
    const producers = [1, 2].map(() => {
      const p = new FakeProducer(broker);
      p.failures.commitTransaction = [retriable('kafka_retriable', 'broker away')];
      return p;
    });
    const ports = fakePorts(broker, producers);
    const plan = await planReplay(ports, input());
    await expect(executeReplay(ports, plan, { batchSize: 4, logger, maxRuns: 2 })).rejects.toThrow(/Run the same command again to resume/);
    expect(broker.visible()).toEqual([]);
  });
});
