import { randomUUID } from 'node:crypto';
import type { Admin, IHeaders, Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createKafka, createProducer } from '../../src/kafka/client.js';
import { createTopicsAndWait } from '../../src/kafka/admin.js';
import { createMetrics, type Metrics } from '../../src/metrics/catalogue.js';
import { createLogger } from '../../src/logger.js';
import { jsonCodec, type RuntimeDeps } from '../../src/runtime/index.js';

/** Shared helpers for runtime tests against the real broker: random names, topics, produce, read_committed drain. */
export const uniq = (what: string) => `t-${what}-${randomUUID().slice(0, 8)}`;

export function testConfig(runtime: Partial<Config['runtime']> = {}): Config {
  const config = loadConfig();
  return { ...config, runtime: { ...config.runtime, commitIntervalMs: 100, ...runtime } };
}

export function testKafka(config: Config = testConfig()): Kafka {
  return createKafka(config.kafka, { logger: createLogger('kafkajs-test', 'error') });
}

/** A kafkajs client and a connected admin, for a describe block's beforeAll (disconnect the admin in afterAll). */
export async function connectBroker(): Promise<{ kafka: Kafka; admin: Admin }> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  return { kafka, admin };
}

export function testDeps(config: Config, extra: Partial<RuntimeDeps> = {}): RuntimeDeps & { metrics: Metrics } {
  return {
    config,
    metrics: createMetrics(new Registry()),
    logger: createLogger('test', process.env.PERSONAHUB_LOG_LEVEL ?? 'warn'),
    codec: jsonCodec,
    ...extra,
  };
}

export async function createTopics(admin: Admin, topics: string[], partitions = 1): Promise<void> {
  // kafkajs' waitForLeaders retries only one error code; on a busy broker metadata can lag the creation
  // ("does not host this topic-partition"), so wait with our own bounded metadata poll instead.
  await createTopicsAndWait(admin, topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })), 30_000);
}

export async function produce(kafka: Kafka, topic: string, messages: Array<{ key?: string; value: string | Buffer; partition?: number }>): Promise<void> {
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic, messages: messages.slice(i, i + 500) });
  } finally {
    await producer.disconnect();
  }
}

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

/** Read a topic from the beginning with read_committed until `until(records)` holds or the deadline passes. */
export async function readAll(kafka: Kafka, topic: string, until: (r: ReadRecord[]) => boolean, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: uniq('reader'), readUncommitted: false });
  const records: ReadRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let satisfied!: () => void;
  const done = new Promise<void>((r) => (satisfied = r));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      records.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value ?? Buffer.alloc(0), headers: strHeaders(message.headers) });
      if (until(records)) satisfied();
    },
  });
  if (until(records)) satisfied();
  await Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs))]);
  await consumer.disconnect();
  return records;
}

function strHeaders(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k] = (Array.isArray(v) ? v[0] : v)!.toString();
  return out;
}

/** Poll `cond` until true or the deadline; throws with `what` on timeout. */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The committed offset of a group on one partition (-1 when none). */
export async function committedOffset(admin: Admin, groupId: string, topic: string, partition = 0): Promise<number> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Number(t?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
}

export const NumberRecord = z.object({ n: z.number().int() });
