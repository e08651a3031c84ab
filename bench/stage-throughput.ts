import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Persona } from '../src/contracts/persona.js';
import { syntheticSampleSchema } from '../src/contracts/synthetic.js';
import { personaId } from '../src/dedup/normalize.js';
import { createLlmClient } from '../src/llm/index.js';
import { createRegistryClient } from '../src/registry/client.js';
import { createRegistryCodec } from '../src/registry/codec.js';
import { registerSubject } from '../src/registry/subjects.js';
import { toJsonSchema } from '../src/registry/json-schemas.js';
import { startStage, type Stage } from '../src/runtime/index.js';
import { createSynthesizeStage } from '../src/stages/synthesize/process.js';
import { createTopics, produce, testConfig, testDeps, testKafka, uniq, waitFor } from '../test/runtime/helpers.js';
import { rawPipe } from './raw-pipe.js';
import type { Benchmark, BenchResult } from './types.js';

/**
 * What one stage process costs per record, against the Kafka client's own ceiling, on the real broker and registry:
 *   raw        a consume → produce loop on the client alone (bench/raw-pipe.ts)
 *   passthrough a stage that returns its input: exactly-once, registry codec, zod, metrics — the runtime's cost
 *   llm        synthesize-math against the simulator (in its own process, 0 ms latency): the runtime plus the LLM
 *              client and prompt/validation work of a real stage
 * records/s = records ÷ (last commit − first hand-off); CPU ms per record = this process's user+system CPU over the
 * same span ÷ records (librdkafka's threads included; the simulator's CPU is not: it runs in another process).
 */
const RAW = 50_000;
const PASS = 30_000;
const LLM = 12_000;
const BIN = fileURLToPath(new URL('../bin/personahub.mjs', import.meta.url));

export interface Measured {
  records: number;
  seconds: number;
  cpuMs: number;
  /** LLM stage only: the simulator process's CPU over the same span (it shares the machine's cores). */
  simCpuMs?: number;
}

/** User + system CPU of another process so far (Linux /proc; undefined elsewhere), in ms. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in ticks of 1/100 s
  } catch {
    return undefined;
  }
}

async function timed(records: number, run: (mark: () => void) => Promise<void>): Promise<Measured> {
  let t0 = 0;
  let c0 = process.cpuUsage();
  // PERSONAHUB_BENCH_PROFILE=<file.cpuprofile>: a V8 CPU profile of the measured span only (setup excluded).
  const profileTo = process.env.PERSONAHUB_BENCH_PROFILE;
  const session = profileTo ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
  }
  const mark = () => {
    if (t0 === 0) {
      t0 = performance.now();
      c0 = process.cpuUsage();
      void session?.post('Profiler.start');
    }
  };
  await run(mark);
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  if (session && profileTo) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileTo, JSON.stringify(profile));
    session.disconnect();
  }
  return { records, seconds, cpuMs: (c.user + c.system) / 1000 };
}

async function withTopics<T>(names: string[], fn: (prefix: string) => Promise<T>): Promise<T> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const prefix = `${uniq('bench-stage')}.`;
  await createTopics(admin, names.map((n) => prefix + n), 1);
  try {
    return await fn(prefix);
  } finally {
    await admin.deleteTopics({ topics: names.map((n) => prefix + n) }).catch(() => undefined);
    await admin.disconnect();
  }
}

const committedAt = async (deps: ReturnType<typeof testDeps>, n: number) =>
  ((await deps.metrics.committedOffset.get()).values.find((v) => v.labels.partition === '0')?.value ?? 0) >= n;

export async function measureRaw(): Promise<Measured> {
  return withTopics(['in', 'out'], async (prefix) => {
    const kafka = testKafka();
    await produce(kafka, `${prefix}in`, Array.from({ length: RAW }, (_, n) => ({ key: String(n), value: JSON.stringify({ n, text: 'x'.repeat(200) }) })));
    return timed(RAW, async (mark) => {
      mark();
      await rawPipe(kafka, `${prefix}in`, `${prefix}out`, RAW, `${prefix}raw`);
    });
  });
}

const Doc = z.object({ n: z.number(), text: z.string() });

export async function measurePassThrough(): Promise<Measured> {
  return withTopics(['in', 'out', 'in.dlq.pass'], async (prefix) => {
    const registry = createRegistryClient(testConfig().registry);
    const schema = JSON.stringify(toJsonSchema('Doc', Doc));
    for (const t of ['in', 'out']) await registerSubject(registry, `${prefix}${t}-value`, schema);
    const codec = createRegistryCodec(registry);
    const kafka = testKafka();
    const values = await Promise.all(Array.from({ length: PASS }, (_, n) => codec.encode(`${prefix}in`, { n, text: 'x'.repeat(200) })));
    await produce(kafka, `${prefix}in`, values.map((value, n) => ({ key: String(n), value })));
    return timed(PASS, async (mark) => {
      const stage: Stage<z.infer<typeof Doc>> = {
        name: 'pass',
        input: { topic: 'in', schema: Doc },
        outputs: { out: Doc },
        ordering: 'unordered',
        async process(rec, ctx) {
          mark();
          return [{ topic: 'out', key: ctx.meta.key ?? '', value: rec }];
        },
      };
      const deps = testDeps(testConfig({ maxInFlight: 512, maxBufferedOutputs: 5_000 }), { topicPrefix: prefix, codec });
      const handle = await startStage(stage, deps);
      await waitFor('pass-through committed', () => committedAt(deps, PASS), 600_000, 20);
      await handle.stop();
    });
  });
}

async function startSimProcess(): Promise<{ url: string; stop: () => void; cpuMs: () => number | undefined }> {
  const port = 18_500 + Math.floor(Math.random() * 400);
  const child = spawn(process.execPath, [...(process.env.PERSONAHUB_BENCH_SIM_NODE_ARGS?.split(' ').filter(Boolean) ?? []), BIN, 'sim', '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}/v1`;
  await waitFor('simulator up', async () => (await fetch(`${url}/models`).then((r) => r.ok).catch(() => false)), 60_000, 200);
  return { url, stop: () => child.kill('SIGTERM'), cpuMs: () => processCpuMs(child.pid) };
}

export async function measureLlm(): Promise<Measured> {
  const sim = await startSimProcess();
  try {
    return await withTopics(['personas.unique', 'synth.math', 'personas.unique.dlq.synthesize-math'], async (prefix) => {
      const base = testConfig({ maxInFlight: 256, maxBufferedOutputs: 5_000 });
      const config = { ...base, llm: { ...base.llm, endpoint: { ...base.llm.endpoint, baseUrl: sim.url, requestsPerMinute: 1e12, tokensPerMinute: 1e12, maxInFlight: 256, adaptiveConcurrency: false } } };
      const registry = createRegistryClient(config.registry);
      await registerSubject(registry, `${prefix}personas.unique-value`, JSON.stringify(toJsonSchema('Persona', Persona)));
      await registerSubject(registry, `${prefix}synth.math-value`, JSON.stringify(toJsonSchema('synth-math', syntheticSampleSchema('math'))));
      const codec = createRegistryCodec(registry);
      const kafka = testKafka();
      const personas = Array.from({ length: LLM }, (_, n) => {
        const text = `a teacher of ${n % 97} pupils who plans field trips to ${n % 13} museums and counts ${n} tickets`;
        const p: Persona = {
          id: personaId(text),
          text,
          hop: 0,
          perspective: 'read',
          rootDocId: `doc-${n}`,
          rootUrl: `https://example.org/${n}`,
          provenance: { stage: 'bench', model: 'none', simulated: true, promptId: 'p', promptVersion: '1', params: {}, usage: { inputTokens: 0, outputTokens: 0 }, createdAt: new Date(0).toISOString() },
        };
        return p;
      });
      const values = await Promise.all(personas.map((p) => codec.encode(`${prefix}personas.unique`, p)));
      await produce(kafka, `${prefix}personas.unique`, values.map((value, n) => ({ key: personas[n]!.id, value })));
      const deps = testDeps(config, { topicPrefix: prefix, codec });
      const llm = createLlmClient(config.llm, { metrics: deps.metrics, logger: deps.logger });
      const inner = createSynthesizeStage('math', config.stages.synthesize.scenarios.math, { llm, logger: deps.logger });
      let sim0: number | undefined;
      let sim1: number | undefined;
      const m = await timed(LLM, async (mark) => {
        const stage: Stage<Persona> = { ...inner, process: (rec, ctx) => (sim0 ??= sim.cpuMs(), mark(), inner.process(rec, ctx)) };
        const handle = await startStage(stage, deps);
        await waitFor('llm stage committed', () => committedAt(deps, LLM), 600_000, 20);
        sim1 = sim.cpuMs();
        await handle.stop();
      });
      return sim0 !== undefined && sim1 !== undefined ? { ...m, simCpuMs: sim1 - sim0 } : m;
    });
  } finally {
    sim.stop();
  }
}

type Kind = 'raw' | 'passthrough' | 'llm';
const KINDS: Array<{ kind: Kind; name: string; what: string }> = [
  { kind: 'raw', name: 'raw-pipe', what: 'raw client consume → produce (no personahub code, no transaction)' },
  { kind: 'passthrough', name: 'passthrough', what: 'pass-through stage: exactly-once, registry codec, zod, metrics, maxInFlight 512' },
  { kind: 'llm', name: 'llm-0ms', what: 'LLM stage: synthesize-math, simulator at 0 ms in another process, exactly-once, maxInFlight 256, LLM rate limits and adaptive concurrency off' },
];
const MEASURE_TIMEOUT_MS = Number(process.env.PERSONAHUB_BENCH_TIMEOUT_S ?? 180) * 1000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAGE_START = '<!-- bench:stage:start (generated by `npm run bench -- stage`; do not edit) -->';
const STAGE_END = '<!-- bench:stage:end -->';

interface Side {
  side: 'before' | 'after' | 'tuned';
  /** How the table names the side (default: `side`). */
  label?: string;
  /** Node options of the side's processes (the tuned side: PERSONAHUB_BENCH_TUNED_NODE_ARGS). */
  nodeArgs?: string[];
  dir: string;
  script: string;
  client: string;
}

/** The Kafka client a tree depends on, as the table names it. */
function clientOf(dir: string): string {
  const deps = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
  const rd = deps['@confluentinc/kafka-javascript'];
  if (rd) return `@confluentinc/kafka-javascript ${rd} (librdkafka)`;
  return deps.kafkajs ? `kafkajs ${deps.kafkajs}` : 'unknown client';
}

/**
 * The before tree: a tree with its own bench/stage-once.ts (any main since the librdkafka move) runs that; the
 * kafkajs tree (d64d40c) has none and runs the copies in bench/before/ (bench/before.sh puts them there).
 * PERSONAHUB_BENCH_BEFORE_REV (bench/before.sh sets it) names its commit in the table.
 */
function beforeSide(dir: string): Side {
  const own = existsSync(join(dir, 'bench/stage-once.ts'));
  const rev = process.env.PERSONAHUB_BENCH_BEFORE_REV;
  return { side: 'before', label: rev ? `before (${rev})` : 'before', dir, script: own ? 'bench/stage-once.ts' : 'bench/before-stage-once.ts', client: clientOf(dir) };
}

/** One measurement in a child process of `side`'s tree (bench/stage-once.ts or its before copy). */
function measureIn(side: Side, kind: Kind): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(side.nodeArgs ?? []), '--import', 'tsx', side.script, kind], { cwd: side.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    // A measurement that cannot finish (the before LLM stage: its commit batch exceeds the broker's message size
    // and the partition resets forever) is stopped and reported, not waited for.
    const timer = setTimeout(() => child.kill('SIGKILL'), MEASURE_TIMEOUT_MS);
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        const why = signal === 'SIGKILL' ? `not done after ${MEASURE_TIMEOUT_MS / 1000} s` : `exit ${code}`;
        const hint = /larger than the max message size/.test(err) ? ': commit rejected, message larger than the broker accepts' : '';
        return reject(new Error(`${why}${hint}`));
      }
      resolve(JSON.parse(last) as Measured);
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const spread = (xs: number[], digits = 0) => `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;

/**
 * Before and after in one run: for each of `repeat` rounds, each measurement runs on the before tree and then on
 * this one, back to back (load on a shared machine changes by the minute; interleaving spreads it over both
 * sides). The before tree is PERSONAHUB_BENCH_BEFORE (bench/before.sh prepares it); without it only "after" runs.
 */
export const stageThroughput: Benchmark = {
  name: 'stage',
  description: 'One stage process vs the Kafka client alone: raw pipe, pass-through stage (EOS, registry, metrics), LLM stage at 0 ms; before/after with PERSONAHUB_BENCH_BEFORE',
  async run() {
    const repeat = Number(process.env.PERSONAHUB_BENCH_REPEAT ?? 3);
    const sides: Side[] = [];
    const beforeDir = process.env.PERSONAHUB_BENCH_BEFORE;
    if (beforeDir) sides.push(beforeSide(beforeDir));
    sides.push({ side: 'after', dir: ROOT, script: 'bench/stage-once.ts', client: clientOf(ROOT) });
    // PERSONAHUB_BENCH_TUNED_NODE_ARGS (e.g. "--max-semi-space-size=32"): this tree once more, every process
    // (raw pipe included) started with those Node options, so a runtime flag is measured on the same run.
    const tuned = process.env.PERSONAHUB_BENCH_TUNED_NODE_ARGS?.split(' ').filter(Boolean);
    if (tuned?.length) sides.push({ side: 'tuned', label: `after, node ${tuned.join(' ')}`, nodeArgs: tuned, dir: ROOT, script: 'bench/stage-once.ts', client: clientOf(ROOT) });
    const got = new Map<string, Measured[]>();
    const loads: number[] = [];
    const failures = new Map<string, string>();
    for (let round = 1; round <= repeat; round++) {
      for (const { kind } of KINDS) {
        for (const side of sides) {
          loads.push(loadavg()[0]!);
          const key = `${side.side}/${kind}`;
          const m = await measureIn(side, kind).catch((e: Error) => {
            failures.set(key, e.message);
            process.stderr.write(`round ${round} ${side.side} ${kind}: FAILED (${e.message})\n`);
            return undefined;
          });
          if (!m) continue;
          process.stderr.write(`round ${round} ${side.side} ${kind}: ${fmt(m.records / m.seconds)} records/s, ${(m.cpuMs / m.records).toFixed(3)} CPU ms/record${m.simCpuMs !== undefined ? `, simulator ${(m.simCpuMs / m.records).toFixed(3)} CPU ms/record` : ''} (load ${loadavg()[0]!.toFixed(1)})\n`);
          got.set(key, [...(got.get(key) ?? []), m]);
        }
      }
    }
    loads.push(loadavg()[0]!);
    const at = new Date().toISOString();
    const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, 1-min load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (median ${median(loads).toFixed(1)}) during the run`;
    const rps = (key: string) => (got.get(key) ?? []).map((m) => m.records / m.seconds);
    const cpu = (key: string) => (got.get(key) ?? []).map((m) => m.cpuMs / m.records);
    const lines = [
      `| measurement | side | Kafka client | records/s (median) | records/s (min–max) | CPU ms/record (median) | CPU ms/record (min–max) |`,
      `|---|---|---|---:|---:|---:|---:|`,
    ];
    const rows: BenchResult[] = [];
    for (const { kind, name, what } of KINDS) {
      for (const side of sides) {
        const key = `${side.side}/${kind}`;
        const r = rps(key);
        const c = cpu(key);
        const label = side.label ?? side.side;
        if (r.length === 0) {
          lines.push(`| ${what} | ${label} | ${side.client} | — | failed: ${failures.get(key) ?? '?'} | — | — |`);
          continue;
        }
        lines.push(`| ${what} | ${label} | ${side.client} | ${fmt(median(r))} | ${spread(r)} | ${median(c).toFixed(3)} | ${spread(c, 3)} |`);
        const prefix = side.side === 'after' ? `stage.${name}` : `stage.${side.side}.${name}`;
        const cond = `${what}; ${side.client}; median of ${r.length} (min–max ${spread(r)} records/s, ${spread(c, 3)} CPU ms); ${machine}`;
        rows.push({ name: `${prefix}.records-per-second`, value: Math.round(median(r)), unit: 'records/s', conditions: cond, at });
        rows.push({ name: `${prefix}.cpu-ms-per-record`, value: Math.round(median(c) * 1000) / 1000, unit: 'CPU ms/record', conditions: cond, at });
      }
    }
    const share = (side: string) => median(rps(`${side}/passthrough`)) / median(rps(`${side}/raw`));
    // Per round as well: raw and pass-through of a round run minutes apart at most, under much the same load.
    const perRound = (side: string) => {
      const raw = rps(`${side}/raw`);
      const pass = rps(`${side}/passthrough`);
      return raw.length === pass.length && raw.length > 0 ? ` (per round ${pass.map((p, i) => (p / raw[i]!).toFixed(2)).join(', ')})` : '';
    };
    const shares = sides.map((s) => `${s.label ?? s.side} ${share(s.side).toFixed(2)}${perRound(s.side)}`).join(', ');
    rows.push({ name: 'stage.passthrough.share-of-raw', value: Math.round(share('after') * 100) / 100, unit: 'x raw', conditions: `pass-through ÷ raw pipe of the same client, medians; ${shares}; ${machine}`, at });
    if (sides.some((s) => s.side === 'tuned')) rows.push({ name: 'stage.tuned.passthrough.share-of-raw', value: Math.round(share('tuned') * 100) / 100, unit: 'x raw', conditions: `pass-through ÷ raw pipe, both with ${sides.find((s) => s.side === 'tuned')!.label}, medians; ${shares}; ${machine}`, at });
    // The simulator runs on the same cores: its CPU per record says how much of the machine the LLM rows leave the stage.
    const simCpu = sides
      .map((s) => ({ s, xs: (got.get(`${s.side}/llm`) ?? []).flatMap((m) => (m.simCpuMs === undefined ? [] : [m.simCpuMs / m.records])) }))
      .filter((x) => x.xs.length > 0)
      .map((x) => `${x.s.label ?? x.s.side} ${median(x.xs).toFixed(3)}`)
      .join(', ');
    const table = [
      ...lines,
      '',
      `Pass-through ÷ raw pipe of the same client (medians): ${shares}. Goals: ≥ 0.5 (after); LLM stage ≥ 3,000 records/s.`,
      ...(simCpu ? [`Simulator CPU ms per record of the LLM rows (its own process, same 2 cores; median): ${simCpu}.`] : []),
      `Measured ${at.slice(0, 16).replace('T', ' ')} UTC, ${repeat} rounds, before and after back to back in each; ${machine}.`,
    ].join('\n');
    process.stdout.write(`\n${table}\n\n`);
    writeStageTable(table);
    return rows;
  },
};

/** The before/after table goes between its own markers in README.md (the generic table keeps the medians). */
function writeStageTable(table: string): void {
  const file = fileURLToPath(new URL('../README.md', import.meta.url));
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(STAGE_START);
  const end = text.indexOf(STAGE_END);
  if (start < 0 || end < start) return;
  writeFileSync(file, `${text.slice(0, start + STAGE_START.length)}\n${table}\n${text.slice(end)}`);
}
