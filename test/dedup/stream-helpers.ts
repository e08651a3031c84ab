import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Admin } from '../../src/kafka/client.js';
import { readToEnd } from '../../src/kafka/read-to-end.js';
import type { Kafka } from '../runtime/helpers.js';
import { dlqTopic } from '../../src/contracts/dlq.js';
import type { Persona } from '../../src/contracts/persona.js';
import { personaId } from '../../src/dedup/normalize.js';
import { DEDUP_STREAM_TOPICS as T } from '../../src/dedup/stream/specs.js';
import { afterAll, beforeAll } from 'vitest';
import { committedOffset, connectBroker, createTopics, uniq } from '../runtime/helpers.js';
import { createTopicsAndWait } from '../../src/kafka/admin.js';

/** Shared by the dedup stream integration and chaos tests: child processes, topics, personas, drain check. */
const FIXTURE = fileURLToPath(new URL('./fixtures/dedup-child.ts', import.meta.url));

export interface DedupChild {
  proc: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  stderr: () => string;
}

let childCount = 0;

/**
 * `partitions`: dedup.stream.partitions (route partitions used); `semanticUrl`: method semantic against this LLM base URL.
 * DEDUP_CHILD_LOG=debug|info|warn raises the children's log level (default error) for investigating a failure; with
 * DEDUP_CHILD_LOG_DIR each child's whole stderr is also written to <dir>/<prefix><n>.log. DEDUP_TRACE_DIR: the
 * fixture writes one line per bands decision / restore entry there (fixtures/dedup-child.ts).
 */
export function spawnDedupChild(prefix: string, partitions?: number, semanticUrl?: string): DedupChild {
  const args = [prefix, String(partitions ?? ''), ...(semanticUrl ? [`semantic:${semanticUrl}`] : [])];
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { env: { ...process.env, PERSONAHUB_LOG_LEVEL: process.env.DEDUP_CHILD_LOG ?? 'error' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const dir = process.env.DEDUP_CHILD_LOG_DIR;
  if (dir) proc.stderr!.pipe(createWriteStream(`${dir}/${prefix}${childCount++}.log`));
  let err = '';
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  proc.stdout!.on('data', (c: Buffer) => {
    if (c.toString().includes('ready')) markReady();
  });
  proc.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, ready, exited, stderr: () => err };
}

export function persona(text: string, i: number): Persona {
  return {
    id: personaId(text),
    text,
    hop: i % 3,
    perspective: 'read',
    rootDocId: `doc-${i}`,
    rootUrl: `https://example.org/${i}`,
    provenance: { stage: 'test', model: 'none', simulated: true, promptId: 'p', promptVersion: '1', params: {}, usage: { inputTokens: 0, outputTokens: 0 }, createdAt: new Date(0).toISOString() },
  };
}

/** Input 3 partitions, route and changelog 4 (co-partitioned), output 1 (commit order), DLQs. */
export async function createDedupTopics(admin: Admin, prefix: string, changelogConfigs: Record<string, string> = {}): Promise<void> {
  const P = (t: string) => prefix + t;
  await createTopics(admin, [P(T.personas.input)], 3);
  await createTopics(admin, [P(T.personas.route)], 4);
  const configEntries = Object.entries({ 'cleanup.policy': 'compact', ...changelogConfigs }).map(([name, value]) => ({ name, value }));
  await createTopicsAndWait(admin, [{ topic: P(T.personas.changelog), numPartitions: 4, replicationFactor: 1, configEntries }]);
  await createTopics(admin, [P(T.personas.output), dlqTopic(P(T.personas.input), 'dedup'), dlqTopic(P(T.personas.route), 'dedup-bands')], 1);
}

/**
 * Every record of both stages processed and committed, so no output can still appear. The route topic ends in
 * transaction markers (one per producer that wrote last), so "committed == end offset" does not hold there:
 * compare with the last data record instead, and require the end offsets unchanged across the check.
 */
export async function dedupDrained(kafka: Kafka, admin: Admin, prefix: string): Promise<boolean> {
  const P = (t: string) => prefix + t;
  const inEnds = await admin.fetchTopicOffsets(P(T.personas.input));
  for (const e of inEnds) if ((await committedOffset(admin, P('personahub.dedup'), P(T.personas.input), e.partition)) < Number(e.high)) return false;
  const routeEnds = await admin.fetchTopicOffsets(P(T.personas.route));
  for (const e of routeEnds) {
    if (Number(e.high) === 0) continue; // a route partition no key maps to (dedup.stream.partitions < partitions)
    const committed = await committedOffset(admin, P('personahub.dedup-bands'), P(T.personas.route), e.partition);
    if (committed < Number(e.high) - 8) return false; // cheap pre-check before reading the partition
    let last = -1;
    await readToEnd({ client: kafka, topic: P(T.personas.route), partitions: [e.partition], onRecord: (r) => void (last = Math.max(last, r.offset)) });
    if (committed < last + 1) return false;
  }
  const after = await admin.fetchTopicOffsets(P(T.personas.route));
  return after.every((a) => routeEnds.find((e) => e.partition === a.partition)!.high === a.high);
}

export async function deletePrefixed(admin: Admin, prefixes: string[]): Promise<void> {
  const mine = (await admin.listTopics()).filter((t: string) => prefixes.some((p) => t.startsWith(p)));
  if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 }).catch(() => undefined);
}

/** What a dedup stream test file shares: one broker connection, and children and topics cleaned up after it. */
export interface DedupSuite {
  /** Set in beforeAll: read them inside a test, not while the file is collected. */
  kafka: Kafka;
  admin: Admin;
  /** A fresh topic prefix for one test; its topics are deleted after the suite. */
  newPrefix(name: string): string;
  /** spawnDedupChild, killed (SIGKILL) after the suite if still running. */
  spawn(prefix: string, partitions?: number, semanticUrl?: string): DedupChild;
}

/** Registers the suite's hooks: call it in a describe body. */
export function dedupSuite(): DedupSuite {
  const children: DedupChild[] = [];
  const prefixes: string[] = [];
  const suite = {
    newPrefix(name: string): string {
      const prefix = `${uniq(name)}.`;
      prefixes.push(prefix);
      return prefix;
    },
    spawn(prefix: string, partitions?: number, semanticUrl?: string): DedupChild {
      const c = spawnDedupChild(prefix, partitions, semanticUrl);
      children.push(c);
      return c;
    },
  } as DedupSuite;
  beforeAll(async () => {
    const { kafka, admin } = await connectBroker();
    suite.kafka = kafka;
    suite.admin = admin;
  });
  afterAll(async () => {
    for (const c of children) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await deletePrefixed(suite.admin, prefixes);
    await suite.admin.disconnect();
  });
  return suite;
}
