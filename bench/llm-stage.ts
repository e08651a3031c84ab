/**
 * The LLM path of one stage alone, without Kafka: synthesize-math's `process()` called for `records` personas with
 * `inFlight` records open at once (as the runtime would hand them over), against the simulator at 0 ms in its own
 * process. It measures what the LLM client, the prompt and the validation cost per record, so the runtime's share of
 * bench/stage-throughput.ts's "LLM stage at 0 ms" row can be told apart from the LLM path's.
 *
 * records/s = records ÷ wall time; CPU ms/record = this process's user + system CPU ÷ records (the simulator's CPU
 * is not counted: it runs in another process).
 * Run: `npx tsx bench/llm-stage.ts [records] [inFlight] [adaptive:on|off]`; profile with
 * `node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/llm-stage.ts`.
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config/load.js';
import type { Persona } from '../src/contracts/persona.js';
import { personaId } from '../src/dedup/normalize.js';
import { createLlmClient } from '../src/llm/client.js';
import { resetSharedEndpoints } from '../src/llm/endpoint.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics/catalogue.js';
import type { StageContext } from '../src/runtime/stage.js';
import { createSynthesizeStage } from '../src/stages/synthesize/process.js';
import { startSimProcess } from './llm-throughput.js';

export interface LlmStageResult {
  records: number;
  inFlight: number;
  adaptive: boolean;
  seconds: number;
  recordsPerSecond: number;
  cpuMsPerRecord: number;
  /** The adaptive in-flight cap at the end (maxInFlight when adaptive concurrency is off). */
  finalLimit: number;
}

function persona(n: number): Persona {
  const text = `a teacher of ${n % 97} pupils who plans field trips to ${n % 13} museums and counts ${n} tickets`;
  return {
    id: personaId(text),
    text,
    hop: 0,
    perspective: 'read',
    rootDocId: `doc-${n}`,
    rootUrl: `https://example.org/${n}`,
    provenance: { stage: 'bench', model: 'none', simulated: true, promptId: 'p', promptVersion: '1', params: {}, usage: { inputTokens: 0, outputTokens: 0 }, createdAt: new Date(0).toISOString() },
  };
}

/** `records` personas through synthesize-math's process() against the simulator at `url`, `inFlight` at a time. */
export async function measureLlmStage(url: string, records: number, inFlight: number, adaptive: boolean): Promise<LlmStageResult> {
  resetSharedEndpoints();
  const config = loadConfig();
  const llmCfg = { ...config.llm, endpoint: { ...config.llm.endpoint, baseUrl: url, requestsPerMinute: 1e12, tokensPerMinute: 1e12, maxInFlight: inFlight, adaptiveConcurrency: adaptive } };
  const metrics = createMetrics(new Registry());
  const logger = createLogger('bench', process.env.PERSONAHUB_LOG_LEVEL ?? 'warn');
  const llm = createLlmClient(llmCfg, { metrics, logger });
  const stage = createSynthesizeStage('math', config.stages.synthesize.scenarios.math, { llm, logger });
  const inputs = Array.from({ length: records }, (_, n) => persona(n));
  const run = async (from: number, to: number) => {
    let next = from;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < to) {
          const n = next++;
          // Each record has its own signal, as the runtime gives it.
          const ctx: StageContext = { signal: new AbortController().signal, meta: { topic: 'personas.unique', partition: 0, offset: String(n), key: null, timestamp: '0', headers: {} }, logger, attempt: 1 };
          const out = await stage.process(inputs[n]!, ctx);
          if (!Array.isArray(out) || out.length !== 1) throw new Error(`record ${n}: expected one sample`);
        }
      }),
    );
  };
  // Warm-up: connections, JIT, the structured-output probe.
  await run(0, Math.min(records, 1000));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run(0, records);
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const finalLimit = (await metrics.llmConcurrencyLimit.get()).values[0]?.value ?? inFlight;
  await llm.close();
  return { records, inFlight, adaptive, seconds, recordsPerSecond: records / seconds, cpuMsPerRecord: (c.user + c.system) / 1000 / records, finalLimit };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const records = Number(process.argv[2] ?? 12_000);
  const inFlight = Number(process.argv[3] ?? 256);
  const adaptive = (process.argv[4] ?? 'on') === 'on';
  const sim = await startSimProcess(0);
  try {
    const r = await measureLlmStage(sim.url, records, inFlight, adaptive);
    console.log(
      `llm stage (no Kafka): ${r.records} records in ${r.seconds.toFixed(2)} s = ${r.recordsPerSecond.toFixed(0)} records/s, ${r.cpuMsPerRecord.toFixed(3)} CPU ms/record; in flight ${r.inFlight}, adaptive ${r.adaptive ? 'on' : 'off'} (final cap ${r.finalLimit}); ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`,
    );
  } finally {
    await sim.stop();
  }
}
