import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { fatal, poison, retriable } from '../../src/errors.js';
import { DLQ_HEADERS, REPLAY_HEADERS } from '../../src/contracts/dlq.js';
import { createMetrics } from '../../src/metrics/catalogue.js';
import { createLogger } from '../../src/logger.js';
import { jsonCodec, type Stage, type StageContext } from '../../src/runtime/index.js';
import { processRecord, type RawRecord, type RecordProcessorDeps } from '../../src/runtime/record-processor.js';

const In = z.object({ n: z.number() });
const Out = z.object({ doubled: z.number() });

function deps(process: (rec: { n: number }, ctx: StageContext) => Promise<unknown[]>, maxAttempts = 3): RecordProcessorDeps {
  const stage: Stage<{ n: number }> = {
    name: 's',
    input: { topic: 'in', schema: In },
    outputs: { out: Out },
    ordering: 'unordered',
    process: process as Stage<{ n: number }>['process'],
  };
  return {
    stage: stage as Stage<unknown>,
    codec: jsonCodec,
    metrics: createMetrics(new Registry()),
    logger: createLogger('test', 'silent'),
    retry: { maxAttempts, initialDelayMs: 1, maxDelayMs: 5 },
    physical: (t) => `p.${t}`,
    dlqTopic: 'p.in.dlq.s',
  };
}

const raw = (value: string | Buffer): RawRecord => ({
  meta: { topic: 'p.in', partition: 2, offset: '17', key: 'k', timestamp: '0', headers: { trace: 't1' } },
  key: Buffer.from('k'),
  value: Buffer.isBuffer(value) ? value : Buffer.from(value),
});
const signal = () => new AbortController().signal;

describe('processRecord', () => {
  it('a record whose partition was closed while it was being decoded never reaches the stage (a stateful stage would change a restored store)', async () => {
    const partition = new AbortController();
    let called = false;
    const d = deps(async () => ((called = true), []));
    // decode takes a while (the registry); the partition is revoked meanwhile
    d.codec = { ...jsonCodec, decode: async (t, v) => (partition.abort(), jsonCodec.decode(t, v)) };
    expect(await processRecord(d, raw('{"n":1}'), partition.signal)).toBeUndefined();
    expect(called).toBe(false);
  });

  it('valid input → encoded outputs on the physical topic', async () => {
    const r = await processRecord(deps(async (rec) => [{ topic: 'out', key: 'x', value: { doubled: rec.n * 2 }, partition: 1 }]), raw('{"n":4}'), signal());
    expect(r?.outcome).toBe('ok');
    expect(r?.messages).toEqual([{ topic: 'p.out', logicalTopic: 'out', key: 'x', value: Buffer.from('{"doubled":8}'), headers: {}, partition: 1 }]);
  });

  it('[] → filtered, counted', async () => {
    const d = deps(async () => []);
    expect((await processRecord(d, raw('{"n":1}'), signal()))?.outcome).toBe('filtered');
    expect((await d.metrics.recordsFiltered.get()).values[0]?.value).toBe(1);
  });

  it.each([
    ['bad bytes', Buffer.from([0xff, 0x00, 0x7b]), 'decode_failed'],
    ['schema-invalid', '{"n":"four"}', 'schema_invalid'],
  ])('%s → dead letter with the original bytes and reason headers', async (_name, value, code) => {
    let called = false;
    const r = await processRecord(deps(async () => ((called = true), [])), raw(value), signal());
    expect(called).toBe(false);
    expect(r?.outcome).toBe('dead_lettered');
    const m = r!.messages[0]!;
    expect(m.topic).toBe('p.in.dlq.s');
    expect(m.value).toEqual(Buffer.isBuffer(value) ? value : Buffer.from(value));
    expect(m.key).toEqual(Buffer.from('k'));
    expect(m.headers).toMatchObject({
      trace: 't1',
      [DLQ_HEADERS.kind]: 'poison',
      [DLQ_HEADERS.code]: code,
      [DLQ_HEADERS.stage]: 's',
      [DLQ_HEADERS.attempts]: '1',
      [DLQ_HEADERS.sourceTopic]: 'p.in',
      [DLQ_HEADERS.sourcePartition]: '2',
      [DLQ_HEADERS.sourceOffset]: '17',
    });
  });

  describe('a record re-injected by `dlq replay`', () => {
    const replayHeaders = {
      [REPLAY_HEADERS.id]: 'sel-0123456789abcdef',
      [REPLAY_HEADERS.attempt]: '2',
      [REPLAY_HEADERS.code]: 'llm_timeout',
      [REPLAY_HEADERS.dlqTopic]: 'p.in.dlq.s',
      [REPLAY_HEADERS.dlqPartition]: '0',
      [REPLAY_HEADERS.dlqOffset]: '40',
      [REPLAY_HEADERS.originTopic]: 'p.in',
      [REPLAY_HEADERS.originPartition]: '1',
      [REPLAY_HEADERS.originOffset]: '3',
      [REPLAY_HEADERS.firstFailureAt]: '2026-01-01T00:00:00.000Z',
    };
    const replayed = (value: string, headers: Record<string, string> = replayHeaders): RawRecord => {
      const r = raw(value);
      return { ...r, meta: { ...r.meta, headers: { ...r.meta.headers, ...headers } } };
    };

    it('that fails again is dead-lettered with its replay headers unchanged and its first failure time kept', async () => {
      const r = await processRecord(deps(async () => { throw poison('llm_malformed_reply', 'still bad'); }), replayed('{"n":1}'), signal());
      expect(r?.outcome).toBe('dead_lettered');
      expect(r?.replayedCode).toBe('llm_timeout');
      expect(r!.messages[0]!.headers).toMatchObject({
        ...replayHeaders,
        trace: 't1',
        [DLQ_HEADERS.code]: 'llm_malformed_reply',
        [DLQ_HEADERS.firstFailureAt]: '2026-01-01T00:00:00.000Z',
        [DLQ_HEADERS.sourceOffset]: '17',
      });
    });

    it('that succeeds or is filtered reports the code it was replayed from; a record never replayed reports none', async () => {
      const ok = await processRecord(deps(async (rec) => [{ topic: 'out', key: 'x', value: { doubled: rec.n * 2 } }]), replayed('{"n":1}'), signal());
      expect([ok?.outcome, ok?.replayedCode]).toEqual(['ok', 'llm_timeout']);
      const dropped = await processRecord(deps(async () => []), replayed('{"n":1}'), signal());
      expect([dropped?.outcome, dropped?.replayedCode]).toEqual(['filtered', 'llm_timeout']);
      const plain = await processRecord(deps(async () => []), raw('{"n":1}'), signal());
      expect(plain).not.toHaveProperty('replayedCode');
    });

    it('a replay header naming no known code counts as internal (labels stay a closed set)', async () => {
      const r = await processRecord(deps(async () => []), replayed('{"n":1}', { ...replayHeaders, [REPLAY_HEADERS.code]: 'made-up' }), signal());
      expect(r?.replayedCode).toBe('internal');
    });
  });

  it('retriable failures are retried with increasing attempt numbers, then succeed', async () => {
    const attempts: number[] = [];
    const d = deps(async (rec, ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt < 3) throw retriable('llm_server_error', '503');
      return [{ topic: 'out', key: 'x', value: { doubled: rec.n } }];
    });
    expect((await processRecord(d, raw('{"n":1}'), signal()))?.outcome).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
    expect((await d.metrics.recordRetries.get()).values[0]).toMatchObject({ value: 2, labels: { code: 'llm_server_error' } });
  });

  it('retriable failures beyond maxAttempts are dead-lettered with the attempt count', async () => {
    const r = await processRecord(deps(async () => { throw new Error('boom'); }, 3), raw('{"n":1}'), signal());
    expect(r?.outcome).toBe('dead_lettered');
    expect(r?.messages[0]?.headers).toMatchObject({ [DLQ_HEADERS.code]: 'stage_failed', [DLQ_HEADERS.attempts]: '3', [DLQ_HEADERS.kind]: 'retriable' });
  });

  it('Retry-After is honoured (never retried sooner)', async () => {
    const times: number[] = [];
    const d = deps(async (rec, ctx) => {
      times.push(performance.now());
      if (ctx.attempt === 1) throw retriable('llm_rate_limited', '429', { retryAfterMs: 120 });
      return [{ topic: 'out', key: 'x', value: { doubled: rec.n } }];
    });
    await processRecord(d, raw('{"n":1}'), signal());
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(115);
  });

  it('poison from the stage → dead letter on the first attempt', async () => {
    const r = await processRecord(deps(async () => { throw poison('input_rejected', 'empty text'); }), raw('{"n":1}'), signal());
    expect(r?.messages[0]?.headers[DLQ_HEADERS.code]).toBe('input_rejected');
    expect(r?.messages[0]?.headers[DLQ_HEADERS.attempts]).toBe('1');
  });

  it('invalid or undeclared outputs are a stage bug → dead letter with a clear reason', async () => {
    const bad = await processRecord(deps(async () => [{ topic: 'out', key: 'x', value: { doubled: 'no' } }]), raw('{"n":1}'), signal());
    expect(bad?.messages[0]?.headers[DLQ_HEADERS.code]).toBe('internal');
    expect(bad?.messages[0]?.headers[DLQ_HEADERS.message]).toContain('output for out is invalid');
    const undeclared = await processRecord(deps(async () => [{ topic: 'elsewhere', key: 'x', value: {} }]), raw('{"n":1}'), signal());
    expect(undeclared?.messages[0]?.headers[DLQ_HEADERS.message]).toContain('undeclared topic "elsewhere"');
  });

  it('fatal errors are thrown to the runtime', async () => {
    await expect(processRecord(deps(async () => { throw fatal('budget_exhausted', 'stop'); }), raw('{"n":1}'), signal())).rejects.toMatchObject({ code: 'budget_exhausted' });
  });

  it('abort (revocation, shutdown) during backoff → undefined: the record stays uncommitted', async () => {
    const ac = new AbortController();
    const d = { ...deps(async () => { ac.abort(); throw retriable('llm_timeout', 'slow'); }), retry: { maxAttempts: 5, initialDelayMs: 10_000, maxDelayMs: 10_000 } };
    expect(await processRecord(d, raw('{"n":1}'), ac.signal)).toBeUndefined();
  });

  it("gives the stage a signal of its own per record, aborting with the partition's", async () => {
    const partition = new AbortController();
    const seen: AbortSignal[] = [];
    const d = deps(async (rec, ctx) => (seen.push(ctx.signal), [{ topic: 'out', key: 'x', value: { doubled: rec.n * 2 } }]));
    await processRecord(d, raw('{"n":1}'), partition.signal);
    await processRecord(d, raw('{"n":2}'), partition.signal);
    expect(seen[0]).not.toBe(partition.signal);
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen.map((s) => s.aborted)).toEqual([false, false]);
    partition.abort();
    expect(seen.map((s) => s.aborted)).toEqual([true, true]);
  });

  it('waits out an unreachable registry without counting attempts: never a dead letter', async () => {
    let calls = 0;
    const waits: boolean[] = [];
    const d = {
      ...deps(async (rec) => [{ topic: 'out', key: 'x', value: { doubled: rec.n * 2 } }], 2),
      codec: {
        ...jsonCodec,
        async decode(topic: string, bytes: Buffer) {
          if (++calls <= 6) throw retriable('registry_unavailable', 'connect ECONNREFUSED');
          return jsonCodec.decode(topic, bytes);
        },
      },
      onInfrastructureWait: (_e: unknown, waiting: boolean) => void waits.push(waiting),
    };
    const r = await processRecord(d, raw('{"n":3}'), signal());
    expect(r?.outcome).toBe('ok'); // 6 failures > maxAttempts 2, yet not dead-lettered
    expect(waits.filter((w) => w)).toHaveLength(6);
    expect(waits.filter((w) => !w)).toHaveLength(6);
  }, 60_000);
});
