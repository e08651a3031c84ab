/**
 * LLM layer throughput: achieved requests/s ÷ ideal, where ideal = min(maxInFlight ÷ latency, rate limit).
 *
 * The simulator runs in its own process (`personahub sim`), so the client's event loop is measured alone, with a
 * fixed 200 ms latency and no faults. Two cases: concurrency-bound (rate limit far above 256 ÷ 0.2 s) and
 * rate-bound (limit below it). Run: `npx tsx bench/llm-throughput.ts [requests]`, or `… --alternate [rounds] [requests]`
 * for alternating rounds of the client and bare node:http. PERSONAHUB_BENCH_SIM_STDERR=1 shows
 * the simulator's log; PERSONAHUB_BENCH_SIM_NODE_ARGS passes node flags to it (e.g. "--cpu-prof --cpu-prof-dir=DIR").
 *
 * A concurrency-bound run is a whole number of waves (default 6,144 = 24 × 256). Each slot serves its requests one
 * after another, so no client can finish N requests in less than ceil(N / maxInFlight) × latency: with the earlier
 * 6,000 (23.4 waves) even a perfect client needed 24 × 200 ms, i.e. at most 0.977 of the ideal rate, and the ratio
 * measured the partial last wave as much as the client. With whole waves the run's own ideal equals the ideal rate.
 * Beside the whole-run ratio each case reports the mean time a request held its slot (`slotMs`): the steady-state
 * rate of a full set of slots is maxInFlight ÷ slotMs (Little's law), so latency ÷ slotMs is the saturation a
 * long-running stage sees, without the drain at the end of a finite run.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { createLlmClient } from '../src/llm/client.js';
import { resetSharedEndpoints } from '../src/llm/endpoint.js';
import { createMetrics } from '../src/metrics/catalogue.js';
import type { Benchmark, BenchResult } from './types.js';

export interface LlmBenchCase {
  name: string;
  maxInFlight: number;
  latencyMs: number;
  requestsPerMinute: number;
  requests: number;
  /** llm.endpoint.transport (default http). */
  transport?: 'http' | 'openai';
  /** llm.endpoint.adaptiveConcurrency (default on). */
  adaptive?: boolean;
  /** Requests open at once, each caller sending its next when the last returns; default: all offered at once. */
  callers?: number;
  /** Requests sent through the same client before the clock starts (connections, JIT); default 0. */
  warmup?: number;
}

export interface LlmBenchResult extends LlmBenchCase {
  seconds: number;
  achievedRps: number;
  idealRps: number;
  ratio: number;
  p50Ms: number;
  p99Ms: number;
  /** The adaptive in-flight cap at the end, and the lowest it went (maxInFlight when adaptive concurrency is off). */
  finalLimit: number;
  minLimit: number;
  /** Mean time a measured request held its limiter slot (llm_request_seconds: from the slot to its release), ms. */
  slotMs: number;
}

/** A bare ceiling: whole-run rate and ratio, and the mean request time (its slot time: a worker is its slot). */
export interface CeilingResult {
  achievedRps: number;
  ratio: number;
  slotMs: number;
}

const Reply = z.object({ persona: z.string(), tags: z.array(z.string()) });
/** Requests each measured client sends before its clock starts (its keep-alive connections, JIT). */
const WARMUP = 512;
/** Requests per concurrency-bound case: 24 whole waves of 256 (see the header). */
const WHOLE_WAVES = 24 * 256;

/** Calls `send(0 … n-1)` from `workers` loops, each sending its next call when its last one returns. */
async function inWorkers(workers: number, n: number, send: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(workers, n) }, async () => { while (next < n) await send(next++); }));
}

/** inWorkers, returning the mean time of a call in ms. */
async function meanCallMs(workers: number, n: number, send: (i: number) => Promise<unknown>): Promise<number> {
  let total = 0;
  await inWorkers(workers, n, async (i) => {
    const s = performance.now();
    await send(i);
    total += performance.now() - s;
  });
  return total / n;
}

export async function startSimProcess(latencyMs: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const bin = fileURLToPath(new URL('../bin/personahub.mjs', import.meta.url));
  const child = spawn(process.execPath, [...(process.env.PERSONAHUB_BENCH_SIM_NODE_ARGS?.split(' ').filter(Boolean) ?? []), bin, 'sim', '--port', '0', '--latency-ms', String(latencyMs)], { stdio: ['ignore', 'pipe', process.env.PERSONAHUB_BENCH_SIM_STDERR ? 'inherit' : 'ignore'] });
  const lines = createInterface({ input: child.stdout! });
  const [url] = (await Promise.race([
    once(lines, 'line'),
    new Promise((_, reject) => setTimeout(() => reject(new Error('simulator did not start within 60 s')), 60_000)),
  ])) as [string];
  return {
    url: url.trim(),
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export async function runLlmThroughputCase(c: LlmBenchCase, url: string): Promise<LlmBenchResult> {
  resetSharedEndpoints();
  const metrics = createMetrics(new Registry());
  const client = createLlmClient(
    {
      endpoint: {
        baseUrl: url,
        maxInFlight: c.maxInFlight,
        requestsPerMinute: c.requestsPerMinute,
        tokensPerMinute: 1e12,
        timeoutMs: 30_000,
        transport: c.transport ?? 'http',
        adaptiveConcurrency: c.adaptive ?? true,
      },
    },
    { metrics },
  );
  const limitNow = async () => (await metrics.llmConcurrencyLimit.get()).values[0]?.value ?? c.maxInFlight;
  // Sum and count of llm_request_seconds for the bench's calls (the probe is another stage), to subtract the warm-up.
  const slotTotals = async () => {
    const v = (await metrics.llmRequestSeconds.get()).values.filter((x) => x.labels.stage === 'bench');
    const pick = (suffix: string) => v.find((x) => x.metricName?.endsWith(suffix))?.value ?? 0;
    return { sum: pick('_sum'), count: pick('_count') };
  };
  let minLimit = c.maxInFlight;
  const watch = setInterval(() => void limitNow().then((l) => (minLimit = Math.min(minLimit, l))), 50);
  const latencies: number[] = [];
  const one = async (i: number) => {
    const s = performance.now();
    await client.complete({ stage: 'bench', messages: [{ role: 'user', content: `document ${i} about salmon rivers and dams ${i % 97}` }], schema: Reply, schemaName: 'r' });
    latencies.push(performance.now() - s);
  };
  // Start-up happens before the clock starts, as it does once in a long-lived stage process: the structured-output
  // probe (llm.structuredOutput auto: one request per endpoint and model; it held every request back ~200 ms, 4% of
  // a 6,000-request run) and the keep-alive connections (`warmup` requests through this same client: a cold agent
  // opens up to maxInFlight connections in the first wave, which put ~1% of the requests 100 ms over the latency).
  await client.structuredMode();
  const warmup = c.warmup ?? 0;
  if (warmup > 0) {
    await inWorkers(c.maxInFlight, warmup, one);
    latencies.length = 0;
    minLimit = c.maxInFlight;
  }
  const slots0 = await slotTotals();
  const t0 = performance.now();
  if (c.callers === undefined) {
    // Every request offered at once: the limiter, not the caller, decides the pace.
    await Promise.all(Array.from({ length: c.requests }, (_, i) => one(i)));
  } else {
    // `callers` requests open at any time, each caller sending its next one when the last returns: a runtime
    // at full load, whose stage holds at most its maxInFlight records in process().
    await inWorkers(c.callers, c.requests, one);
  }
  const seconds = (performance.now() - t0) / 1000;
  const slots = await slotTotals();
  clearInterval(watch);
  const finalLimit = await limitNow();
  minLimit = Math.min(minLimit, finalLimit);
  await client.close();
  latencies.sort((a, b) => a - b);
  const idealRps = Math.min(c.maxInFlight / (c.latencyMs / 1000), c.requestsPerMinute / 60);
  const achievedRps = c.requests / seconds;
  return {
    ...c,
    seconds,
    achievedRps,
    idealRps,
    ratio: achievedRps / idealRps,
    p50Ms: latencies[Math.floor(latencies.length * 0.5)]!,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)]!,
    finalLimit,
    minLimit,
    slotMs: (1000 * (slots.sum - slots0.sum)) / (slots.count - slots0.count),
  };
}

/**
 * The same requests through bare `fetch` with `maxInFlight` workers and no limiter, retries or validation: the
 * ceiling this machine reaches with this simulator, to separate the LLM layer's overhead from the machine's.
 */
export async function rawFetchCeiling(url: string, requests: number, maxInFlight: number, latencyMs: number): Promise<CeilingResult> {
  const schema = z.toJSONSchema(Reply);
  const send = async (i: number) => {
    const r = await fetch(`${url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'personahub-sim-1', messages: [{ role: 'user', content: `document ${i} about salmon rivers and dams ${i % 97}` }], response_format: { type: 'json_schema', json_schema: { name: 'r', strict: true, schema } } }),
    });
    await r.json();
  };
  await inWorkers(maxInFlight, WARMUP, send); // connections open before the clock starts, as for the client
  const t0 = performance.now();
  const slotMs = await meanCallMs(maxInFlight, requests, send);
  const achievedRps = requests / ((performance.now() - t0) / 1000);
  return { achievedRps, ratio: achievedRps / (maxInFlight / (latencyMs / 1000)), slotMs };
}

/**
 * The same requests through node:http with a keep-alive agent of `maxInFlight` sockets and nothing else: the
 * transport the client uses by default, bare.
 */
export async function rawHttpCeiling(url: string, requests: number, maxInFlight: number, latencyMs: number): Promise<CeilingResult> {
  const schema = z.toJSONSchema(Reply);
  const u = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
  const post = (body: string) =>
    new Promise<unknown>((resolve, reject) => {
      const req = request(
        { agent, host: u.hostname, port: u.port, method: 'POST', path: `${u.pathname}/chat/completions`, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const send = (i: number) =>
    post(JSON.stringify({ model: 'personahub-sim-1', messages: [{ role: 'user', content: `document ${i} about salmon rivers and dams ${i % 97}` }], response_format: { type: 'json_schema', json_schema: { name: 'r', strict: true, schema } } }));
  await inWorkers(maxInFlight, WARMUP, send); // connections open before the clock starts, as for the client
  const t0 = performance.now();
  const slotMs = await meanCallMs(maxInFlight, requests, send);
  agent.destroy();
  const achievedRps = requests / ((performance.now() - t0) / 1000);
  return { achievedRps, ratio: achievedRps / (maxInFlight / (latencyMs / 1000)), slotMs };
}

/**
 * At 200 ms latency and 256 in flight, in one run against one simulator process: the client (default transport,
 * adaptive concurrency on) concurrency-bound and rate-bound, the client over the openai package's fetch, and the
 * bare fetch and bare node:http ceilings. `requests` per concurrency-bound case (default 6,144: 24 whole waves of 256).
 */
export async function runLlmThroughputBench(requests = WHOLE_WAVES): Promise<{
  cases: LlmBenchResult[];
  rawFetch: CeilingResult;
  rawHttp: CeilingResult;
}> {
  const sim = await startSimProcess(200);
  try {
    const out: LlmBenchResult[] = [];
    // Warm-up of the simulator and this process's JIT; each case then warms its own client's connections.
    await runLlmThroughputCase({ name: 'warmup', maxInFlight: 256, latencyMs: 200, requestsPerMinute: 1e7, requests: 512 }, sim.url);
    out.push(await runLlmThroughputCase({ name: 'concurrency-bound', maxInFlight: 256, latencyMs: 200, requestsPerMinute: 1e7, requests, warmup: WARMUP }, sim.url));
    out.push(await runLlmThroughputCase({ name: 'concurrency-bound, 512 callers', maxInFlight: 256, latencyMs: 200, requestsPerMinute: 1e7, requests, warmup: WARMUP, callers: 512 }, sim.url));
    // No warm-up here: its requests would still fill the limiter's one-minute window when the clock starts.
    out.push(await runLlmThroughputCase({ name: 'rate-bound (36k rpm)', maxInFlight: 256, latencyMs: 200, requestsPerMinute: 36_000, requests: Math.round(requests / 2) }, sim.url));
    // The openai client over fetch, for comparison. On a loaded machine its connections hit "other side closed"
    // (undici reusing a keep-alive socket the simulator had closed) often enough to open the circuit: reported, not fatal.
    const viaOpenai: LlmBenchCase = { name: 'concurrency-bound, transport openai', maxInFlight: 256, latencyMs: 200, requestsPerMinute: 1e7, requests, transport: 'openai', warmup: WARMUP };
    await runLlmThroughputCase(viaOpenai, sim.url).then(
      (r) => out.push(r),
      (e: Error) => process.stderr.write(`${viaOpenai.name}: FAILED (${e.message})\n`),
    );
    const rawFetch = await rawFetchCeiling(sim.url, requests, 256, 200);
    const rawHttp = await rawHttpCeiling(sim.url, requests, 256, 200);
    return { cases: out, rawFetch, rawHttp };
  } finally {
    await sim.stop();
  }
}

/** For `personahub bench llm`: ratios and rates as BenchResult figures. */
export const llmThroughput: Benchmark = {
  name: 'llm',
  description: 'LLM layer: achieved ÷ ideal requests/s at 200 ms simulated latency and 256 in flight (simulator in its own process)',
  async run() {
    const { cases, rawFetch, rawHttp } = await runLlmThroughputBench();
    const at = new Date().toISOString();
    const machine = `${cpus().length} cores, load avg ${loadavg()[0]!.toFixed(1)}, Node ${process.version}`;
    const out: BenchResult[] = [];
    for (const [key, c] of [['concurrency-bound', cases[0]!], ['concurrency-bound-callers', cases[1]!], ['rate-bound', cases[2]!]] as const) {
      process.stderr.write(`llm ${c.name}: ${c.achievedRps.toFixed(0)} req/s of ideal ${c.idealRps.toFixed(0)} (ratio ${c.ratio.toFixed(3)})\n`);
      const offered = c.callers === undefined ? 'offered at once' : `from ${c.callers} callers (a runtime's shape)`;
      const warm = c.warmup ? `, after ${c.warmup} warm-up requests on the same client` : '';
      const conditions = `${c.requests} requests ${offered}${warm}, maxInFlight ${c.maxInFlight}, ${c.latencyMs} ms latency, ${c.requestsPerMinute} rpm (ideal ${c.idealRps.toFixed(0)}/s), ${machine}`;
      out.push({ name: `llm.throughput.${key}.ratio`, value: Math.round(c.ratio * 1000) / 1000, unit: 'achieved/ideal', conditions, at });
      out.push({ name: `llm.throughput.${key}.rps`, value: Math.round(c.achievedRps), unit: 'requests/s', conditions, at });
      if (key === 'concurrency-bound-callers') {
        // Steady state (Little's law): a full set of slots sustains maxInFlight ÷ slotMs, i.e. latency ÷ slotMs of ideal.
        out.push({ name: `llm.throughput.${key}.slot-ms`, value: Math.round(c.slotMs * 10) / 10, unit: 'ms per request (mean slot time)', conditions, at });
        out.push({ name: `llm.throughput.${key}.steady-ratio`, value: Math.round((c.latencyMs / c.slotMs) * 1000) / 1000, unit: 'latency/slot time', conditions, at });
      }
    }
    out.push({
      name: 'llm.throughput.bare-fetch-ceiling.ratio',
      value: Math.round(rawFetch.ratio * 1000) / 1000,
      unit: 'achieved/ideal',
      conditions: `same requests via bare fetch, 256 workers, no limiter/retries/validation, after ${WARMUP} warm-up requests, ${machine}`,
      at,
    });
    out.push({
      name: 'llm.throughput.bare-http-ceiling.ratio',
      value: Math.round(rawHttp.ratio * 1000) / 1000,
      unit: 'achieved/ideal',
      conditions: `same requests via bare node:http (keep-alive agent, 256 sockets), 256 workers, no limiter/retries/validation, after ${WARMUP} warm-up requests, ${machine}`,
      at,
    });
    out.push({
      name: 'llm.throughput.bare-http-ceiling.slot-ms',
      value: Math.round(rawHttp.slotMs * 10) / 10,
      unit: 'ms per request (mean)',
      conditions: `the bare node:http run above: mean request time, which is each worker's slot time, ${machine}`,
      at,
    });
    return out;
  },
};

/**
 * `rounds` alternating pairs against one simulator: the client from 512 callers (the runtime's shape), then bare
 * node:http, so both see the same machine state; one line per round. Alternation is what makes a 1% difference
 * readable on a shared machine, where the load moves between consecutive runs.
 */
export async function alternateClientAndBare(rounds: number, requests = WHOLE_WAVES): Promise<void> {
  const sim = await startSimProcess(200);
  try {
    await runLlmThroughputCase({ name: 'warmup', maxInFlight: 256, latencyMs: 200, requestsPerMinute: 1e7, requests: 512 }, sim.url);
    for (let r = 1; r <= rounds; r++) {
      const load = loadavg()[0]!;
      const c = await runLlmThroughputCase({ name: 'client', maxInFlight: 256, latencyMs: 200, requestsPerMinute: 1e7, requests, warmup: WARMUP, callers: 512 }, sim.url);
      const b = await rawHttpCeiling(sim.url, requests, 256, 200);
      console.log(
        `round ${r} (load ${load.toFixed(1)}): client ${c.ratio.toFixed(3)} of ideal, slot ${c.slotMs.toFixed(1)} ms (steady ${(c.latencyMs / c.slotMs).toFixed(3)}), cap ≥ ${c.minLimit}; bare node:http ${b.ratio.toFixed(3)}, ${b.slotMs.toFixed(1)} ms`,
      );
    }
  } finally {
    await sim.stop();
  }
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain && process.argv[2] === '--alternate') {
  await alternateClientAndBare(Number(process.argv[3] ?? 10), Number(process.argv[4] ?? WHOLE_WAVES));
} else if (isMain) {
  const n = Number(process.argv[2] ?? WHOLE_WAVES);
  const { cases, rawFetch, rawHttp } = await runLlmThroughputBench(n);
  for (const r of cases)
    console.log(
      `${r.name}: ${r.requests} req in ${r.seconds.toFixed(2)} s = ${r.achievedRps.toFixed(0)} req/s; ideal ${r.idealRps.toFixed(0)} req/s; ratio ${r.ratio.toFixed(3)}; slot ${r.slotMs.toFixed(1)} ms per request; p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms; in-flight cap ${r.finalLimit} at the end, ${r.minLimit} at the lowest`,
    );
  console.log(`raw fetch ceiling (no limiter/retries/validation): ${rawFetch.achievedRps.toFixed(0)} req/s; ratio ${rawFetch.ratio.toFixed(3)}; ${rawFetch.slotMs.toFixed(1)} ms per request`);
  console.log(`raw node:http ceiling (keep-alive agent): ${rawHttp.achievedRps.toFixed(0)} req/s; ratio ${rawHttp.ratio.toFixed(3)}; ${rawHttp.slotMs.toFixed(1)} ms per request; load ${loadavg()[0]!.toFixed(1)}`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  // The load average matters: on a shared 2-core box the simulator and the client compete for the same cores.
  const record = { at: new Date().toISOString(), cores: cpus().length, loadavg1m: loadavg()[0], cases, rawFetch, rawHttp };
  writeFileSync(`${dir}llm-throughput.json`, `${JSON.stringify(record, null, 2)}\n`);
}
