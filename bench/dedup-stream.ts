/**
 * Streaming persona dedup on the real broker, exactly-once: end-to-end personas/s of one process running `dedup` +
 * `dedup-bands`, and the bands stage's state in bytes per kept persona (typed arrays of every route partition's
 * index ÷ personas output).
 *
 *   npx tsx bench/dedup-stream.ts [items=20000] [partitions=1] [commitIntervalMs=100] [maxBufferedOutputs=runtime default]
 *
 * "Before" (the 17-hop per-key protocol of commit 1399485): its stages are imported from a checkout of that commit
 * and run on this tree's runtime with the same data and config: `git worktree add /tmp/dedup-before 1399485`
 * (node_modules linked), then `PERSONAHUB_DEDUP_BEFORE_DIR=/tmp/dedup-before npm run bench -- dedup-stream` runs
 * both, interleaved, in the same run (the CLI form runs the before design alone when the variable is set).
 * Topics are created under a random prefix and deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
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
import type { Benchmark, BenchResult } from './types.js';
import type { Stage } from '../src/runtime/stage.js';

export interface StreamRun {
  items: number;
  kept: number;
  seconds: number;
  items_per_s: number;
  bytes_per_kept: number;
  changelog_records: number;
  partitions: number;
}

const ROUTE_PARTITIONS = 6;

/**
 * One run. `beforeDir`: run the stages of that checkout (the 17-hop per-key protocol of 1399485) instead of this
 * tree's, on this tree's runtime, same data and config: the before/after comparison in one harness.
 */
export async function runDedupStream(items: number, partitions: number, commitIntervalMs = 100, maxBufferedOutputs?: number, beforeDir?: string): Promise<StreamRun> {
  const prefix = `bench-dedup-${randomUUID().slice(0, 8)}.`;
  const base = loadConfig();
  const config = { ...base, runtime: { ...base.runtime, commitIntervalMs, ...(maxBufferedOutputs ? { maxBufferedOutputs } : {}) }, dedup: { ...base.dedup, stream: { ...base.dedup.stream, partitions } } };
  const logger = createLogger('bench', 'error');
  const kafka = createKafka(config.kafka, { logger });
  const admin = kafka.admin();
  await admin.connect();
  const P = (t: string) => prefix + t;
  const topics: Array<[string, number, boolean]> = [
    [P(T.personas.input), 6, false],
    [P(T.personas.route), ROUTE_PARTITIONS, false],
    [P(T.personas.changelog), ROUTE_PARTITIONS, true],
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
    const deps = { metrics, logger };
    let stages: [Stage<any>, Stage<any> & { stateBytes?(): number }];
    if (beforeDir) {
      const mod = async (f: string) => import(pathToFileURL(join(beforeDir, f)).href);
      const old = await mod('src/dedup/stream/stages.ts');
      const spec = (await mod('src/dedup/stream/specs.ts')).personaStreamSpec(config.dedup);
      stages = [old.createEntryStage(spec, deps), old.createBandsStage(spec, deps)];
    } else {
      const spec = personaStreamSpec(config.dedup);
      stages = [createEntryStage(spec, deps), createBandsStage(spec, deps)];
    }
    const bands = stages[1];
    const proc = await runStages(stages, { config, metrics, logger, codec: jsonCodec, kafka, topicPrefix: prefix }, { http: false, signals: false });
    await Promise.all(proc.stages.map((s) => s.ready));
    const lines = generatePersonaLines(items, 7);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const provenance = { stage: 'bench', model: 'none', simulated: true, promptId: 'p', promptVersion: '1', params: {}, usage: { inputTokens: 0, outputTokens: 0 }, createdAt: new Date().toISOString() };
    // produce everything first, then time the drain: the figure is the filter's rate, not the producer's
    for (let i = 0; i < lines.length; i += 1000) {
      await producer.send({
        topic: P(T.personas.input),
        messages: lines.slice(i, i + 1000).map((text, j) => ({ key: personaId(text), value: JSON.stringify({ id: personaId(text), text, hop: 0, perspective: 'read', rootDocId: `d${i + j}`, rootUrl: 'u', provenance }) })),
      });
    }
    await producer.disconnect();
    const sum = async (name: string, f: (l: Partial<Record<string, string | number>>) => boolean = () => true) =>
      (await metrics.registry.getSingleMetric(name)!.get()).values.filter((v) => f(v.labels)).reduce((s, v) => s + v.value, 0);
    const outputs = () => sum('personahub_records_out_total', (l) => l.topic === T.personas.output);
    const deadline = Date.now() + 30 * 60_000;
    let t0 = 0;
    let kept = 0;
    while (Date.now() < deadline) {
      if (t0 === 0 && (await sum('personahub_records_in_total')) > 0) t0 = Date.now();
      kept = await outputs();
      if (kept + (await sum('personahub_dedup_hits_total')) >= items) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (Date.now() - (t0 || Date.now())) / 1000;
    const changelog = await sum('personahub_records_out_total', (l) => l.topic === T.personas.changelog);
    const bytes = bands.stateBytes?.() ?? 0; // before stop: revocation drops the state
    await proc.stop();
    return { items, kept, seconds, items_per_s: Math.round(items / seconds), bytes_per_kept: Math.round(bytes / kept), changelog_records: changelog, partitions };
  } finally {
    await admin.deleteTopics({ topics: topics.map(([t]) => t) }).catch(() => undefined);
    await admin.disconnect();
  }
}

/**
 * The state of the 17-hop protocol (commit 1399485) on the same personas: its StepState per route partition,
 * every (step key, item) stored until the item is dropped, as that code stores them; bytes ÷ kept.
 */
export async function beforeStateBytes(dir: string, items: number): Promise<{ bytes_per_kept: number; kept: number }> {
  const mod = async (p: string) => import(pathToFileURL(join(dir, p)).href);
  const { StepState } = await mod('src/dedup/stream/step-state.ts');
  const { personaStreamSpec: oldSpec } = await mod('src/dedup/stream/specs.ts');
  const { murmur32 } = await mod('src/dedup/hash32.ts');
  const spec = oldSpec(loadConfig().dedup);
  const states = Array.from({ length: ROUTE_PARTITIONS }, () => new StepState());
  let kept = 0;
  let off = 0;
  for (const [i, text] of generatePersonaLines(items, 7).entries()) {
    const { keys, payload } = spec.scheme.route(text);
    let dropped = false;
    for (const key of keys as string[]) {
      const ref = key.startsWith('x:') ? `0:${off++}` : '';
      const d = states[murmur32(key, 0) % ROUTE_PARTITIONS]!.offer(key, { id: `p${i}`, ref, payload }, spec.scheme.nearDuplicate);
      if (d.action === 'duplicate') {
        dropped = true;
        break;
      }
    }
    if (!dropped) kept++;
  }
  const bytes = states.reduce((n: number, s: { byteLength: number }) => n + s.byteLength, 0);
  return { bytes_per_kept: Math.round(bytes / kept), kept };
}

export const dedupStreamBench: Benchmark = {
  name: 'dedup-stream',
  description: 'Streaming persona dedup on the real broker, exactly-once: personas/s per process and state bytes per kept persona (before/after with PERSONAHUB_DEDUP_BEFORE_DIR)',
  async run() {
    const at = new Date().toISOString();
    const machine = () => `${cpus().length} cores, load avg ${loadavg()[0]!.toFixed(1)}, Node ${process.version}`;
    const out: BenchResult[] = [];
    const n = 20_000;
    const before = process.env.PERSONAHUB_DEDUP_BEFORE_DIR;
    // interleaved, so that before and after see the same machine load
    for (const buffer of [undefined, 5000]) {
      const tag = buffer ? `.buf${buffer}` : '';
      const rt = `maxBufferedOutputs ${buffer ?? 1000}`;
      if (before) {
        const nb = buffer ? 10_000 : 3000;
        const b = await runDedupStream(nb, 1, 100, buffer, before);
        const s = await beforeStateBytes(before, n);
        const cond = `17-hop per-key protocol of commit 1399485 on this runtime, ${nb} personas (state: ${n}, its StepState), same generator, one process, exactly-once, commit 100 ms, ${rt}, JSON codec, ${machine()}`;
        out.push({ name: `dedup-stream.before${tag}.personas_per_s`, value: b.items_per_s, unit: 'personas/s', conditions: cond, at });
        if (!buffer) out.push({ name: 'dedup-stream.before.bytes_per_kept', value: s.bytes_per_kept, unit: 'bytes', conditions: cond, at });
      }
      for (const partitions of buffer ? [1] : [1, 3]) {
        const r = await runDedupStream(n, partitions, 100, buffer);
        const cond = `${n} synthetic 13-word personas (20% edits), one process (dedup + dedup-bands), ${partitions} of ${ROUTE_PARTITIONS} route partitions used, exactly-once, commit 100 ms, ${rt}, JSON codec, ${machine()}`;
        out.push({ name: `dedup-stream.r${partitions}${tag}.personas_per_s`, value: r.items_per_s, unit: 'personas/s', conditions: cond, at });
        out.push({ name: `dedup-stream.r${partitions}${tag}.bytes_per_kept`, value: r.bytes_per_kept, unit: 'bytes', conditions: cond, at });
      }
    }
    return out;
  },
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const items = Number(process.argv[2] ?? 20_000);
  const partitions = Number(process.argv[3] ?? 1);
  const commit = Number(process.argv[4] ?? 100);
  const buffered = process.argv[5] ? Number(process.argv[5]) : undefined;
  const before = process.env.PERSONAHUB_DEDUP_BEFORE_DIR;
  const r = await runDedupStream(items, partitions, commit, buffered, before);
  process.stdout.write(JSON.stringify({ design: before ? 'before' : 'after', ...r, load: loadavg()[0] }) + '\n');
  if (before) process.stdout.write(JSON.stringify({ before_state: await beforeStateBytes(before, items) }) + '\n');
}
