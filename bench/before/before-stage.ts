import { spawn } from 'node:child_process';
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
import { rawPipe } from './before-raw-pipe.js';

/**
 * THE "BEFORE" SIDE (kafkajs 2.2.4, commit d64d40c): bench/before.sh copies this file (bench/before/*.ts) into a worktree of that
 * commit; it does not compile in this tree (excluded in tsconfig.json). Same measurements as bench/stage-throughput.ts.
 *
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
}

async function timed(records: number, run: (mark: () => void) => Promise<void>): Promise<Measured> {
  let t0 = 0;
  let c0 = process.cpuUsage();
  const mark = () => {
    if (t0 === 0) {
      t0 = performance.now();
      c0 = process.cpuUsage();
    }
  };
  await run(mark);
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
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

async function startSimProcess(): Promise<{ url: string; stop: () => void }> {
  const port = 18_500 + Math.floor(Math.random() * 400);
  const child = spawn(process.execPath, [BIN, 'sim', '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}/v1`;
  await waitFor('simulator up', async () => (await fetch(`${url}/models`).then((r) => r.ok).catch(() => false)), 60_000, 200);
  return { url, stop: () => child.kill('SIGTERM') };
}

export async function measureLlm(): Promise<Measured> {
  const sim = await startSimProcess();
  try {
    return await withTopics(['personas.unique', 'synth.math', 'personas.unique.dlq.synthesize-math'], async (prefix) => {
      const base = testConfig({ maxInFlight: 256, maxBufferedOutputs: 5_000 });
      const config = { ...base, llm: { ...base.llm, endpoint: { ...base.llm.endpoint, baseUrl: sim.url, requestsPerMinute: 1e12, tokensPerMinute: 1e12, maxInFlight: 256 } } };
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
      const inner = createSynthesizeStage('math', config, { llm, logger: deps.logger });
      return timed(LLM, async (mark) => {
        const stage: Stage<Persona> = { ...inner, process: (rec, ctx) => (mark(), inner.process(rec, ctx)) };
        const handle = await startStage(stage, deps);
        await waitFor('llm stage committed', () => committedAt(deps, LLM), 600_000, 20);
        await handle.stop();
      });
    });
  } finally {
    sim.stop();
  }
}
