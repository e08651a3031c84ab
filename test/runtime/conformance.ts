import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from '../../src/kafka/client.js';
import type { Kafka } from './helpers.js';
import { DLQ_HEADERS, dlqTopic } from '../../src/contracts/dlq.js';
import type { Codec } from '../../src/runtime/codec.js';
import type { Config } from '../../src/config/schema.js';
import { startStage, type Stage } from '../../src/runtime/index.js';
import { committedOffset, createTopics, produce, readAll, testConfig, testDeps, testKafka, uniq, waitFor, type ReadRecord } from './helpers.js';

/**
 * The conformance suite every stage passes on the real broker (in the spirit of Redpanda Connect's StreamTests).
 * Usage, in a `*.int.test.ts` file:
 *
 *   describeStageConformance('extract', ({ topicPrefix }) => createExtractStage(deps), {
 *     valid: [doc1, doc2],                 // input values (as a producer would write them)
 *     keyOf: (d) => d.id,                  // optional message key
 *     check: (input, outputs) => { ... },  // optional extra assertions per input
 *   });
 *
 * It produces: the valid inputs, bad bytes, schema-invalid JSON, then the valid inputs again, and checks that
 *   - every output validates against `stage.outputs[topic]` and at least one output is produced (unless
 *     `mayFilterAll`), and the second round of valid inputs is processed too (the stage keeps going);
 *   - the bad bytes and each schema-invalid value are in `<input>.dlq.<stage>` with the original bytes and the
 *     codes `decode_failed` / `schema_invalid`;
 *   - the committed offset reaches the end of the input (nothing stuck, nothing skipped).
 * Topics are random (`topicPrefix`), so the factory must use the prefix for any topic it reads itself.
 */
export interface ConformanceFixtures<I> {
  valid: I[];
  /** JSON values that violate the input schema; default: `{}` and a bare number. */
  schemaInvalid?: unknown[];
  keyOf?: (value: I) => string;
  mayFilterAll?: boolean;
  /** Extra assertions on the outputs of the whole run (per output topic). */
  check?: (outputs: Record<string, unknown[]>) => void | Promise<void>;
  /** Codec and config for the run (default: JSON codec, test config). */
  codec?: Codec;
  config?: Config;
  timeoutMs?: number;
}

export function describeStageConformance<I>(
  title: string,
  factory: (ctx: { topicPrefix: string }) => Stage<I> | Promise<Stage<I>>,
  fixtures: ConformanceFixtures<I>,
): void {
  describe(`stage conformance: ${title}`, () => {
    let kafka: Kafka;
    let admin: Admin;
    beforeAll(async () => {
      kafka = testKafka(fixtures.config);
      admin = kafka.admin();
      await admin.connect();
    });
    afterAll(() => admin.disconnect());

    it('valid input → schema-valid outputs; bad bytes and schema-invalid input → DLQ; the stage keeps going', async () => {
      const topicPrefix = `${uniq('conf')}.`;
      const stage = await factory({ topicPrefix });
      const input = topicPrefix + stage.input.topic;
      const dlq = dlqTopic(input, stage.name);
      const outputTopics = Object.keys(stage.outputs).map((t) => topicPrefix + t);
      await createTopics(admin, [input, dlq, ...outputTopics], 1);

      const schemaInvalid = fixtures.schemaInvalid ?? [{}, 42];
      const validMsgs = fixtures.valid.map((v) => ({ key: fixtures.keyOf?.(v) ?? 'k', value: JSON.stringify(v) }));
      const messages = [
        ...validMsgs,
        { key: 'bad-bytes', value: Buffer.from([0xff, 0xfe, 0x7b, 0x00]) },
        ...schemaInvalid.map((v, i) => ({ key: `bad-schema-${i}`, value: JSON.stringify(v) })),
        ...validMsgs,
      ];
      await produce(kafka, input, messages);

      const deps = testDeps(fixtures.config ?? testConfig(), { topicPrefix, ...(fixtures.codec ? { codec: fixtures.codec } : {}) });
      const handle = await startStage(stage, deps);
      try {
        await waitFor(`${stage.name} committed all ${messages.length} inputs`, async () => (await committedOffset(admin, handle.groupId, input)) === messages.length, fixtures.timeoutMs ?? 120_000, 200);
      } finally {
        await handle.stop();
      }

      const dead = await readAll(kafka, dlq, (r) => r.length >= 1 + schemaInvalid.length, 30_000);
      const byKey = new Map<string | null, ReadRecord>(dead.map((r) => [r.key, r]));
      expect(byKey.get('bad-bytes')?.headers[DLQ_HEADERS.code]).toBe('decode_failed');
      expect(byKey.get('bad-bytes')?.value).toEqual(Buffer.from([0xff, 0xfe, 0x7b, 0x00]));
      schemaInvalid.forEach((_, i) => expect(byKey.get(`bad-schema-${i}`)?.headers[DLQ_HEADERS.code]).toBe('schema_invalid'));
      const validDead = dead.filter((r) => !String(r.key).startsWith('bad-'));
      expect(validDead.map((r) => r.headers[DLQ_HEADERS.message]), 'valid inputs must not be dead-lettered').toEqual([]);

      const outputs: Record<string, unknown[]> = {};
      let total = 0;
      const codec = fixtures.codec ?? deps.codec;
      // the runtime counts outputs only once their transaction committed: read exactly that many
      const outMetric = await deps.metrics.registry.getSingleMetric('personahub_records_out_total')!.get();
      for (const [logical, schema] of Object.entries(stage.outputs)) {
        const expected = outMetric.values.find((v) => v.labels.topic === logical)?.value ?? 0;
        const recs = expected === 0 ? [] : await readAll(kafka, topicPrefix + logical, (r) => r.length >= expected, 30_000);
        expect(recs.length, `outputs on ${logical}`).toBe(expected);
        outputs[logical] = [];
        for (const r of recs) {
          const value = await codec.decode(topicPrefix + logical, r.value);
          const parsed = schema.safeParse(value);
          expect(parsed.success, `output on ${logical} must satisfy its schema`).toBe(true);
          outputs[logical]!.push(value);
        }
        total += recs.length;
      }
      if (!fixtures.mayFilterAll) expect(total, 'outputs produced').toBeGreaterThan(0);
      const inCount = await deps.metrics.registry.getSingleMetric('personahub_records_in_total')!.get();
      expect(inCount.values.reduce((a, v) => a + v.value, 0)).toBe(messages.length);
      await fixtures.check?.(outputs);
    });
  });
}
