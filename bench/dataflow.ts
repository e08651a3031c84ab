import { SIMULATOR_RATES } from '../src/llm/config.js';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { activity, flowSnapshot, looksDrained, type FlowSnapshot } from '../src/cli/flow-snapshot.js';
import { ingestFile } from '../src/cli/commands/ingest.js';
import { SAMPLE_DOCUMENTS } from '../src/cli/commands/up.js';
import { applyTopicsAndSchemas } from '../src/cli/prepare-cluster.js';
import { startStages } from '../src/cli/start-stages.js';
import { loadConfig } from '../src/config/load.js';
import { SCENARIOS } from '../src/contracts/scenarios.js';
import { createKafka } from '../src/kafka/client.js';
import { createLogger } from '../src/logger.js';
import { startSimulator } from '../src/sim/index.js';
import { DATAFLOW_TOPICS, synthTopic } from '../src/stages/topics.js';
import type { Benchmark, BenchResult } from './types.js';

/**
 * The whole dataflow on the bundled sample (51 documents), every stage in one process, real broker and registry,
 * the simulator as LLM: time from ingest to drained, and what came out per second. Cases vary what dominates:
 * the commit interval (each hop through dedup is several transactional round-trips) and LLM latency.
 */
interface Case {
  label: string;
  commitIntervalMs: number;
  latencyMs: number;
}
const CASES: Case[] = [
  { label: 'default', commitIntervalMs: 100, latencyMs: 0 },
  { label: 'commit-500ms', commitIntervalMs: 500, latencyMs: 0 },
  { label: 'llm-300ms', commitIntervalMs: 100, latencyMs: 300 },
];

async function runCase(c: Case): Promise<{ seconds: number; snap: FlowSnapshot; ingested: number }> {
  const logger = createLogger('bench-dataflow', 'error');
  const prefix = `bench-df-${randomUUID().slice(0, 8)}.`;
  const config = loadConfig();
  config.runtime.commitIntervalMs = c.commitIntervalMs;
  config.http.port = 0;
  const sim = await startSimulator({ port: 0, latency: { dist: 'lognormal', ms: c.latencyMs, sigma: 0.3 } });
  config.llm.endpoint.baseUrl = sim.url;
  // The rates `up` and `run` use against the simulator.
  config.llm.endpoint.requestsPerMinute = SIMULATOR_RATES.requestsPerMinute;
  config.llm.endpoint.tokensPerMinute = SIMULATOR_RATES.tokensPerMinute;
  config.llm.endpoint.maxInFlight = 256;
  await applyTopicsAndSchemas(config, prefix, logger);
  const flow = await startStages(['all'], config, logger, { topicPrefix: prefix, http: false, signals: false });
  try {
    await Promise.all(flow.proc.stages.map((h) => h.ready));
    const started = performance.now();
    const ingest = await ingestFile({ file: SAMPLE_DOCUMENTS, prefix, progress: false });
    let last = '';
    let changedAt = performance.now();
    for (const deadline = Date.now() + 900_000; Date.now() < deadline; ) {
      const snap = await flowSnapshot(flow.metrics);
      const act = activity(snap);
      if (act !== last) {
        last = act;
        changedAt = performance.now();
      }
      if (looksDrained(snap, flow.inputs) && performance.now() - changedAt >= 3000) {
        // The flow finished at its last change, not when the quiet period ran out.
        return { seconds: (changedAt - started) / 1000, snap, ingested: ingest.produced };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`dataflow bench ${c.label}: not drained within 15 minutes`);
  } finally {
    await flow.proc.stop();
    await sim.close();
    const admin = createKafka(config.kafka, { logger }).admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
  }
}

export const dataflowBench: Benchmark = {
  name: 'dataflow',
  description: 'Whole dataflow on the 51-document sample (all stages in one process, simulator): time to drained, outputs/s',
  async run() {
    const results: BenchResult[] = [];
    const machine = `${cpus().length} cores, Node ${process.version}`;
    for (const c of CASES) {
      const { seconds, snap, ingested } = await runCase(c);
      const unique = snap.topics[DATAFLOW_TOPICS.unique] ?? 0;
      const samples = SCENARIOS.reduce((n, s) => n + (snap.topics[synthTopic(s)] ?? 0), 0);
      const conditions =
        `${ingested} sample documents → ${unique} unique personas → ${samples} samples; default stage config (maxHops 6, fanOut 3, ` +
        `60 personas/document); commit every ${c.commitIntervalMs} ms, exactly-once; simulator latency ${c.latencyMs} ms (lognormal); ` +
        `${snap.llmRequests} LLM requests; local Kafka; ${machine}`;
      process.stderr.write(`dataflow ${c.label}: drained in ${seconds.toFixed(1)} s, ${unique} unique personas, ${samples} samples\n`);
      const at = new Date().toISOString();
      results.push(
        { name: `dataflow.${c.label}.seconds-to-drained`, value: Math.round(seconds * 10) / 10, unit: 's', conditions, at },
        { name: `dataflow.${c.label}.samples-per-second`, value: Math.round((samples / seconds) * 10) / 10, unit: 'samples/s', conditions, at },
      );
    }
    return results;
  },
};
