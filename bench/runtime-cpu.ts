/**
 * The runtime's own CPU per record, without a broker: a pass-through stage on StageRunner with the real registry
 * codec (registry lookups happen once, then are cached), zod, metrics, the scheduler, trackers and the
 * transactional committer, but a consumer port that serves pre-encoded records from memory and a producer port
 * that only counts. On a shared 2-core machine the Kafka benchmark's figures swing by 2×; this one measures what
 * personahub's code costs per record (the part the hot-path work can change) with far less noise, since nothing
 * waits on another process. CPU ms/record = this process's user + system CPU ÷ records (GC threads included).
 *
 *   node --import tsx bench/runtime-cpu.ts [records=200000] [rounds=3]       prints one JSON line per round
 *   PERSONAHUB_BENCH_PROFILE=/tmp/r.cpuprofile ...                           a V8 profile of the last round
 * Needs the registry of the local stack (PERSONAHUB_REGISTRY_URL).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics/catalogue.js';
import { createRegistryClient } from '../src/registry/client.js';
import { createRegistryCodec } from '../src/registry/codec.js';
import { toJsonSchema } from '../src/registry/json-schemas.js';
import { registerSubject } from '../src/registry/subjects.js';
import type { ConsumerPort, InputRecord, PreparedMessage, ProducerPort, RebalanceListener } from '../src/runtime/ports.js';
import { StageRunner } from '../src/runtime/stage-runner.js';
import type { Stage } from '../src/runtime/stage.js';

const Doc = z.object({ n: z.number(), text: z.string() });

/** Serves `records` from memory, as librdkafka's poll would (a batch per call, one macrotask per poll). */
class MemoryConsumer implements ConsumerPort {
  private listener: RebalanceListener | undefined;
  private pos = 0;
  private paused = false;
  constructor(private readonly records: InputRecord[]) {}
  async start(listener: RebalanceListener): Promise<void> {
    this.listener = listener;
  }
  assign(): void {
    this.paused = true;
    this.listener!.assigned([0]);
  }
  poll(max: number): Promise<InputRecord[]> {
    return new Promise((resolve) =>
      setImmediate(() => {
        if (this.paused || this.pos >= this.records.length) return void setTimeout(() => resolve([]), 1);
        const end = Math.min(this.records.length, this.pos + max);
        resolve(this.records.slice(this.pos, end));
        this.pos = end;
      }),
    );
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  async seek(_p: number, offset: number): Promise<void> {
    this.pos = offset;
  }
  async committed(partitions: number[]): Promise<Map<number, number | undefined>> {
    return new Map(partitions.map((p) => [p, undefined]));
  }
  async lowWatermark(): Promise<number> {
    return 0;
  }
  position(): number | undefined {
    return this.pos;
  }
  async commitOffsets(): Promise<void> {}
  async stop(): Promise<void> {}
}

/** Counts what a round produces and the committed offset; no I/O. */
class CountingProducer implements ProducerPort {
  produced = 0;
  committed = 0;
  private pending = 0;
  async connect(): Promise<void> {}
  produce(messages: readonly PreparedMessage[]): void {
    this.produced += messages.length;
  }
  async flush(): Promise<void> {}
  async beginTransaction(): Promise<void> {}
  async sendOffsets(offsets: Array<{ partition: number; offset: number }>): Promise<void> {
    this.pending = offsets[0]?.offset ?? this.pending;
  }
  async commitTransaction(): Promise<void> {
    this.committed = this.pending;
  }
  async abortTransaction(): Promise<void> {}
  async disconnect(): Promise<void> {}
}

async function round(records: InputRecord[], codec: ReturnType<typeof createRegistryCodec>, prefix: string, profileTo?: string) {
  const stage: Stage<z.infer<typeof Doc>> = {
    name: 'pass',
    input: { topic: 'in', schema: Doc },
    outputs: { out: Doc },
    ordering: 'unordered',
    async process(rec, ctx) {
      return [{ topic: 'out', key: ctx.meta.key ?? '', value: rec }];
    },
  };
  const consumer = new MemoryConsumer(records);
  const producer = new CountingProducer();
  const config = loadConfig(undefined, {});
  const runner = new StageRunner(
    stage as Stage<unknown>,
    { config, metrics: createMetrics(new Registry()), logger: createLogger('bench', 'warn'), codec, topicPrefix: prefix, runtime: { maxInFlight: 512, maxBufferedOutputs: 5_000, commitIntervalMs: 100 } },
    { consumer, newProducer: async () => producer },
  );
  await runner.start();
  const session = profileTo ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  consumer.assign();
  while (producer.committed < records.length) await new Promise((r) => setTimeout(r, 2));
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  if (session && profileTo) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileTo, JSON.stringify(profile));
    session.disconnect();
  }
  await runner.stop();
  return { records: records.length, seconds, cpuMs: (c.user + c.system) / 1000 };
}

const records = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 3);
const prefix = `bench-rtcpu.${process.pid}.`;
const registry = createRegistryClient(loadConfig(undefined, {}).registry);
const schema = JSON.stringify(toJsonSchema('Doc', Doc));
for (const t of ['in', 'out']) await registerSubject(registry, `${prefix}${t}-value`, schema);
const codec = createRegistryCodec(registry);
const input: InputRecord[] = [];
for (let n = 0; n < records; n++) {
  const value = await codec.encode(`${prefix}in`, { n, text: 'x'.repeat(200) });
  input.push({ partition: 0, offset: n, key: Buffer.from(String(n)), value, timestamp: Date.now(), headers: {} });
}
for (let i = 1; i <= rounds; i++) {
  const r = await round(input, codec, prefix, i === rounds ? process.env.PERSONAHUB_BENCH_PROFILE : undefined);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
process.exit(0);
