import { cpus } from 'node:os';
import { z } from 'zod';
import { startStage, type Stage } from '../src/runtime/index.js';
import { createTopics, produce, testConfig, testDeps, testKafka, uniq, waitFor } from '../test/runtime/helpers.js';
import type { Benchmark, BenchResult } from './types.js';

/**
 * Runtime throughput vs concurrency: 1 input partition, a stage that sleeps 200 ms per record (an LLM call's
 * shape: waiting, not computing), exactly-once delivery, on the real broker. With one partition, a
 * one-record-at-a-time consumer is capped at 5 records/s; the runtime should scale ≈ linearly with maxInFlight
 * until Kafka round-trips or the event loop dominate.
 * Throughput = records ÷ (time of the last commit − time the first record was handed to the stage).
 */
const LEVELS = [1, 8, 64, 256];
const SLEEP_MS = 200;
const SECONDS_PER_LEVEL = 8;

async function measure(concurrency: number): Promise<{ records: number; seconds: number; rps: number }> {
  const records = Math.max(20, Math.round((concurrency * 1000 * SECONDS_PER_LEVEL) / SLEEP_MS));
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const prefix = `${uniq('bench')}.`;
  await createTopics(admin, [`${prefix}in`, `${prefix}out`, `${prefix}in.dlq.sleeper`], 1);
  await produce(kafka, `${prefix}in`, Array.from({ length: records }, (_, n) => ({ key: String(n), value: JSON.stringify({ n }) })));
  let firstAt = 0;
  const stage: Stage<{ n: number }> = {
    name: 'sleeper',
    input: { topic: 'in', schema: z.object({ n: z.number() }) },
    outputs: { out: z.object({ n: z.number() }) },
    ordering: 'unordered',
    async process(rec) {
      firstAt ||= performance.now();
      await new Promise((r) => setTimeout(r, SLEEP_MS));
      return [{ topic: 'out', key: String(rec.n), value: { n: rec.n } }];
    },
  };
  const deps = testDeps(testConfig({ maxInFlight: concurrency, maxBufferedOutputs: Math.max(1000, concurrency * 4) }), { topicPrefix: prefix });
  const handle = await startStage(stage, deps);
  const committed = deps.metrics.committedOffset;
  await waitFor(
    `all ${records} records committed`,
    async () => ((await committed.get()).values.find((v) => v.labels.partition === '0')?.value ?? 0) >= records,
    600_000,
    20,
  );
  const seconds = (performance.now() - firstAt) / 1000;
  await handle.stop();
  await admin.deleteTopics({ topics: [`${prefix}in`, `${prefix}out`, `${prefix}in.dlq.sleeper`] }).catch(() => undefined);
  await admin.disconnect();
  return { records, seconds, rps: records / seconds };
}

export const runtimeConcurrency: Benchmark = {
  name: 'runtime',
  description: 'Runtime throughput vs maxInFlight: 1 partition, 200 ms stage, exactly-once, real broker',
  async run() {
    const results: BenchResult[] = [];
    const machine = `${cpus().length} cores, Node ${process.version}`;
    for (const c of LEVELS) {
      const m = await measure(c);
      const ideal = (c * 1000) / SLEEP_MS;
      process.stderr.write(`runtime concurrency=${c}: ${m.records} records in ${m.seconds.toFixed(1)} s = ${m.rps.toFixed(1)} rec/s (ideal ${ideal})\n`);
      results.push({
        name: `runtime.throughput.concurrency-${String(c).padStart(3, '0')}`,
        value: Math.round(m.rps * 10) / 10,
        unit: 'records/s',
        conditions: `1 partition, stage sleeps ${SLEEP_MS} ms, maxInFlight ${c} (ideal ${ideal}/s), exactly-once, commit every 100 ms, ${m.records} records, local Kafka, ${machine}`,
        at: new Date().toISOString(),
      });
    }
    return results;
  },
};
