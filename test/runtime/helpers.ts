import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createKafka, rdkafka, type Admin, type KafkaClient } from '../../src/kafka/client.js';
import { readToEnd } from '../../src/kafka/read-to-end.js';
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

export type Kafka = KafkaClient;

export function testKafka(config: Config = testConfig()): Kafka {
  return createKafka(config.kafka, { logger: createLogger('kafka-test', 'error') });
}

/** A client factory and a connected admin, for a describe block's beforeAll (disconnect the admin in afterAll). */
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
  // On a busy broker metadata can lag the creation ("does not host this topic-partition"): bounded metadata poll.
  await createTopicsAndWait(admin, topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })), 30_000);
}

export async function produce(kafka: Kafka, topic: string, messages: Array<{ key?: string; value: string | Buffer; partition?: number }>): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
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

/**
 * Read a topic from the beginning with read_committed until `until(records)` holds or the deadline passes. Each
 * pass reads to the topic's current end offsets (exact, src/kafka/read-to-end.ts); passes repeat until satisfied.
 */
export async function readAll(kafka: Kafka, topic: string, until: (r: ReadRecord[]) => boolean, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await readCommitted(kafka, topic);
    if (until(records) || Date.now() >= deadline) return records;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Everything committed on a topic right now, every partition, read_committed to the current end offsets. */
export async function readCommitted(kafka: Kafka, topic: string): Promise<ReadRecord[]> {
  const records: ReadRecord[] = [];
  await readToEnd({
    client: kafka,
    topic,
    onRecord: (m) => {
      records.push({ partition: m.partition, offset: String(m.offset), key: m.key?.toString() ?? null, value: m.value ?? Buffer.alloc(0), headers: m.headers });
    },
  });
  return records;
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
  return Number(t?.partitions.find((p: { partition: number }) => p.partition === partition)?.offset ?? -1);
}

export const NumberRecord = z.object({ n: z.number().int() });

/** An operator's offset reset: commit `offset` for the (empty) group without joining it. */
export async function setCommittedOffset(kafka: Kafka, groupId: string, topic: string, partition: number, offset: number): Promise<void> {
  const consumer = new (rdkafka().KafkaConsumer)(kafka.properties({ 'group.id': groupId, 'enable.auto.commit': false }) as never, {});
  await new Promise<void>((res, rej) => consumer.connect({ timeout: 10_000 }, (err) => (err ? rej(err) : res())));
  try {
    consumer.assign([{ topic, partition }]);
    consumer.commitSync([{ topic, partition, offset }]);
  } finally {
    await new Promise<void>((res) => consumer.disconnect(() => res()));
  }
}
