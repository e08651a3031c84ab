import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { z } from 'zod';
import { poison } from '../../src/errors.js';
import { DLQ_HEADERS, dlqTopic } from '../../src/contracts/dlq.js';
import { startStage, type Stage } from '../../src/runtime/index.js';
import { NumberRecord, committedOffset, createTopics, produce, readAll, testConfig, testDeps, testKafka, uniq, waitFor } from './helpers.js';

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
  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  async function setup(partitions = 1) {
    const prefix = `${uniq('rt')}.`;
    const name = 'doubler';
    await createTopics(admin, [`${prefix}in`, `${prefix}out`, dlqTopic(`${prefix}in`, name)], partitions);
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
    const metrics = await deps.metrics.registry.getSingleMetricAsString('personahub_records_dead_lettered_total');
    expect(metrics).toContain('code="decode_failed"');
  });
});
