/**
 * Streaming persona dedup on the real broker: end-to-end throughput and per-item latency of the routing
 * protocol (17 hops per persona) with one process running `dedup` + `dedup-bands`, exactly-once.
 * Run: npx tsx bench/dedup-stream.ts [items=2000] [commitIntervalMs=100]
 * Topics are created under a random prefix and deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config/load.js';
import { createKafka } from '../src/kafka/client.js';
import { createTopicsAndWait } from '../src/kafka/admin.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics/catalogue.js';
import { jsonCodec, runStages } from '../src/runtime/index.js';
import { personaId } from '../src/dedup/normalize.js';
import { createBandsStage, createEntryStage } from '../src/dedup/stream/stages.js';
import { DEDUP_STREAM_TOPICS as T, personaStreamSpec } from '../src/dedup/stream/specs.js';
import { dlqTopic } from '../src/contracts/dlq.js';
import { generatePersonaLines } from './dedup.js';

const items = Number(process.argv[2] ?? 2000);
const commitIntervalMs = Number(process.argv[3] ?? 100);
const prefix = `bench-dedup-${randomUUID().slice(0, 8)}.`;
const base = loadConfig();
const config = { ...base, runtime: { ...base.runtime, commitIntervalMs } };
const logger = createLogger('bench', 'error');
const kafka = createKafka(config.kafka, { logger });
const admin = kafka.admin();
await admin.connect();
const P = (t: string) => prefix + t;
const topics: Array<[string, number, boolean]> = [
  [P(T.personas.input), 6, false],
  [P(T.personas.route), 6, false],
  [P(T.personas.changelog), 6, true],
  [P(T.personas.output), 6, false],
  [dlqTopic(P(T.personas.input), 'dedup'), 1, false],
  [dlqTopic(P(T.personas.route), 'dedup-bands'), 1, false],
];
await createTopicsAndWait(
  admin,
  topics.map(([topic, numPartitions, compact]) => ({ topic, numPartitions, replicationFactor: 1, ...(compact ? { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] } : {}) })),
);
try {
  const metrics = createMetrics(new Registry());
  const spec = personaStreamSpec(config.dedup);
  const deps = { metrics, logger };
  const proc = await runStages([createEntryStage(spec, deps), createBandsStage(spec, deps)], { config, metrics, logger, codec: jsonCodec, kafka, topicPrefix: prefix }, { http: false, signals: false });
  await Promise.all(proc.stages.map((s) => s.ready));
  const lines = generatePersonaLines(items, 7);
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const t0 = Date.now();
  const provenance = { stage: 'bench', model: 'none', simulated: true, promptId: 'p', promptVersion: '1', params: {}, usage: { inputTokens: 0, outputTokens: 0 }, createdAt: new Date().toISOString() };
  for (let i = 0; i < lines.length; i += 500) {
    await producer.send({
      topic: P(T.personas.input),
      messages: lines.slice(i, i + 500).map((text, j) => ({ key: personaId(text), value: JSON.stringify({ id: personaId(text), text, hop: 0, perspective: 'read', rootDocId: `d${i + j}`, rootUrl: 'u', provenance }) })),
    });
  }
  await producer.disconnect();
  const count = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values.reduce((s, v) => s + v.value, 0);
  const deadline = Date.now() + 30 * 60_000;
  let done = 0;
  while (Date.now() < deadline) {
    const out = (await metrics.registry.getSingleMetric('personahub_records_out_total')!.get()).values.filter((v) => v.labels.topic === T.personas.output).reduce((s, v) => s + v.value, 0);
    done = out + (await count('personahub_dedup_hits_total'));
    if (done >= items) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (Date.now() - t0) / 1000;
  const lat = (await metrics.registry.getSingleMetric('personahub_dedup_hits_total')!.get()).values;
  process.stdout.write(
    JSON.stringify({ items, settled: done, seconds, items_per_s: Math.round(items / seconds), commitIntervalMs, hits: Object.fromEntries(lat.map((v) => [`${v.labels.kind}`, v.value])) }) + '\n',
  );
  await proc.stop();
} finally {
  await admin.deleteTopics({ topics: topics.map(([t]) => t) }).catch(() => undefined);
  await admin.disconnect();
}
