/**
 * Restore time of the streaming persona dedup's state for N stored personas (default 1M), on the real broker:
 * builds one route partition's index from synthetic personas, writes its changelog as compaction leaves it (one
 * record per full segment of dedup.stream.segmentItems items, the last one partial), then times the runtime's own
 * restore path (storeRestorer: read_committed read-to-end, decode, zod, PartitionIndex.restore) into a fresh
 * bands stage and checks that the restored state equals the original (same items, same bytes).
 *
 *   npx tsx bench/dedup-restore.ts [stored=1000000]
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config/load.js';
import { createKafka } from '../src/kafka/client.js';
import { createTopicsAndWait } from '../src/kafka/admin.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics/catalogue.js';
import { jsonCodec } from '../src/runtime/index.js';
import { storeRestorer } from '../src/runtime/state-store.js';
import { createBandsStage } from '../src/dedup/stream/stages.js';
import { personaStreamSpec } from '../src/dedup/stream/specs.js';
import { PartitionIndex } from '../src/dedup/stream/partition-index.js';
import { changelogKey, type ChangelogEntry } from '../src/dedup/stream/route-record.js';
import { exactHash } from '../src/dedup/stream/schemes.js';
import { generatePersonaLines } from './dedup.js';
import type { Benchmark, BenchResult } from './types.js';

export interface RestoreRun {
  stored: number;
  records: number;
  topic_mb: number;
  seconds: number;
  personas_per_s: number;
  state_mb: number;
}

export async function runDedupRestore(stored: number): Promise<RestoreRun> {
  const config = loadConfig();
  const logger = createLogger('bench', 'error');
  const spec = personaStreamSpec(config.dedup);
  const S = spec.segmentItems;
  // 1. the state: offer personas to one partition's index until `stored` are kept; keep every full segment
  const index = new PartitionIndex(0, S, (a, b) => spec.scheme.nearDuplicate(a, b));
  const entries: ChangelogEntry[] = [];
  let last: ChangelogEntry | undefined;
  for (let batch = 0; index.size < stored; batch++) {
    for (const text of generatePersonaLines(Math.ceil(stored * 0.3), 1000 + batch)) {
      const { keys, payload } = spec.scheme.route(text);
      const d = index.offer({ xh: exactHash(text), ref: index.size, keys, payload });
      if (d.action !== 'stored') continue;
      last = d.entry;
      if (index.size % S === 0) entries.push(d.entry);
      if (index.size >= stored) break;
    }
  }
  if (last && index.size % S !== 0) entries.push(last);
  // 2. the changelog topic, as compaction leaves it
  const kafka = createKafka(config.kafka, { logger });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench-restore-${randomUUID().slice(0, 8)}.personas.dedup.changelog`;
  await createTopicsAndWait(admin, [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
  try {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    let bytes = 0;
    for (let i = 0; i < entries.length; i += 2000) {
      const messages = entries.slice(i, i + 2000).map((e) => {
        const value = JSON.stringify(e);
        bytes += value.length;
        return { key: changelogKey(0, e.seg), value, partition: 0 };
      });
      await producer.send({ topic, messages });
    }
    await producer.disconnect();
    // 3. the runtime's restore into a fresh bands stage
    const metrics = createMetrics(new Registry());
    const bands = createBandsStage(spec, { metrics, logger });
    const restorer = storeRestorer({ spec: bands.store!, client: kafka, codec: jsonCodec, physical: () => topic, stage: 'dedup-bands', metrics, logger });
    const t0 = performance.now();
    await restorer.restore(0, new AbortController().signal);
    const seconds = (performance.now() - t0) / 1000;
    if (bands.stateSize() !== index.size) throw new Error(`restored ${bands.stateSize()} items, expected ${index.size}`);
    if (bands.stateBytes() !== index.byteLength) throw new Error(`restored state has ${bands.stateBytes()} bytes, the original ${index.byteLength}`);
    return {
      stored: index.size,
      records: entries.length,
      topic_mb: Math.round(bytes / 1e5) / 10,
      seconds: Math.round(seconds * 10) / 10,
      personas_per_s: Math.round(index.size / seconds),
      state_mb: Math.round(index.byteLength / 1e5) / 10,
    };
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

export const dedupRestoreBench: Benchmark = {
  name: 'dedup-restore',
  description: 'Streaming dedup state restore: seconds to restore 1M stored personas from a compacted changelog on the real broker',
  async run() {
    const at = new Date().toISOString();
    const r = await runDedupRestore(1_000_000);
    const cond = `${r.stored} stored personas in ${r.records} changelog records (${r.topic_mb} MB, JSON codec), one partition, runtime storeRestorer, state ${r.state_mb} MB; ${cpus().length} cores, load avg ${loadavg()[0]!.toFixed(1)}, Node ${process.version}`;
    const out: BenchResult[] = [
      { name: 'dedup-restore.1m.seconds', value: r.seconds, unit: 's', conditions: cond, at },
      { name: 'dedup-restore.1m.personas_per_s', value: r.personas_per_s, unit: 'personas/s', conditions: cond, at },
    ];
    return out;
  },
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await runDedupRestore(Number(process.argv[2] ?? 1_000_000));
  process.stdout.write(JSON.stringify({ ...r, load: loadavg()[0] }) + '\n');
}
