import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_HEADERS, REPLAY_HEADERS, dlqTopic } from '../../src/contracts/dlq.js';
import type { Admin } from '../../src/kafka/client.js';
import { connectBroker, createTopics, readCommitted, uniq, type Kafka } from '../runtime/helpers.js';

/**
 * An interrupted replay resumes without duplicates and without loss: `personahub dlq replay` (the real CLI, in a
 * child process) is SIGKILLed at random moments after it has committed some transactions, three times, then run to
 * the end. Every dead letter must then be in the stage's input exactly once (read_committed), the re-injected
 * records of each transaction all or none at every kill, and a further run must replay nothing.
 *
 * The dead letters are written here with the headers the runtime writes (no stage is needed: this is about the
 * replay's own progress), 400 of them, 5 per transaction (dlq.replay.batchSize), so a run takes ~80 transactions.
 */
const DEAD = 400;
const BATCH = 5;
const KILLS = 3;
const BIN = fileURLToPath(new URL('../../bin/personahub.mjs', import.meta.url));

interface Run {
  commits: number;
  exited: Promise<number | null>;
  kill(): void;
  output(): string;
  /** Resolves after the n-th "committed" progress line (or when the process exits). */
  afterCommits(n: number): Promise<void>;
}

function startReplay(args: string[]): Run {
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PERSONAHUB_LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let commits = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  void exited.then(() => waiters.forEach((w) => w.resolve()));
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => {
    const text = c.toString();
    out += text;
    commits += text.split('\n').filter((l) => l.startsWith('dlq replay: committed')).length;
    for (const w of waiters) if (commits >= w.n) w.resolve();
  });
  return {
    get commits() {
      return commits;
    },
    exited,
    kill: () => proc.kill('SIGKILL'),
    output: () => out,
    afterCommits: (n) => new Promise<void>((resolve) => (commits >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

describe('dlq replay: SIGKILL mid-way, then resume', () => {
  let kafka: Kafka;
  let admin: Admin;
  let dir: string;
  beforeAll(async () => {
    ({ kafka, admin } = await connectBroker());
    dir = mkdtempSync(join(tmpdir(), 'personahub-dlq-'));
  });
  afterAll(async () => {
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every dead letter is re-injected exactly once across kills; a further run replays nothing', async () => {
    const prefix = `${uniq('dlqkill')}.`;
    const input = `${prefix}personas.unique`;
    const dlq = dlqTopic(input, 'synthesize-math');
    await createTopics(admin, [input], 2);
    await createTopics(admin, [dlq], 1);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: dlq,
      messages: Array.from({ length: DEAD }, (_, i) => ({
        key: `persona-${i}`,
        value: JSON.stringify({ n: i, text: `persona ${i}` }),
        headers: {
          'x-origin': `crawl-${i}`,
          [DLQ_HEADERS.kind]: 'retriable',
          [DLQ_HEADERS.code]: i % 4 === 0 ? 'llm_timeout' : 'llm_connection',
          [DLQ_HEADERS.message]: 'endpoint away',
          [DLQ_HEADERS.stage]: 'synthesize-math',
          [DLQ_HEADERS.attempts]: '5',
          [DLQ_HEADERS.firstFailureAt]: '2026-11-25T10:00:00.000Z',
          [DLQ_HEADERS.sourceTopic]: input,
          [DLQ_HEADERS.sourcePartition]: String(i % 2),
          [DLQ_HEADERS.sourceOffset]: String(i),
        },
      })),
    });
    await producer.disconnect();
    const cfg = join(dir, `${prefix}yaml`);
    writeFileSync(cfg, `dlq:\n  replay:\n    batchSize: ${BATCH}\n`);
    const args = ['-c', cfg, 'dlq', 'replay', 'personas.unique.dlq.synthesize-math', '--prefix', prefix, '--kind', 'retriable'];
    const replayed = async () => (await readCommitted(kafka, input)).filter((r) => r.headers[REPLAY_HEADERS.id] !== undefined);

    let before = 0;
    for (let k = 0; k < KILLS; k++) {
      const run = startReplay(args);
      await run.afterCommits(1 + Math.floor(Math.random() * 8));
      await new Promise((r) => setTimeout(r, Math.random() * 40));
      run.kill();
      const code = await run.exited;
      expect(code, `run ${k + 1} ended before it was killed:\n${run.output()}`).toBeNull();
      const now = (await replayed()).length;
      process.stdout.write(`kill ${k + 1}/${KILLS}: after ${run.commits} committed transactions, ${now} of ${DEAD} re-injected\n`);
      expect(now % BATCH, 'a transaction is all or nothing').toBe(0);
      expect(now).toBeGreaterThanOrEqual(before);
      expect(now).toBeLessThan(DEAD);
      before = now;
    }

    const last = startReplay(args);
    expect(await last.exited, last.output()).toBe(0);
    expect(last.output()).toMatch(new RegExp(`replayed\\s+${DEAD - before} into ${input.replaceAll('.', '\\.')}`));
    const all = await replayed();
    const offsets = all.map((r) => Number(r.headers[REPLAY_HEADERS.dlqOffset]));
    const dupes = offsets.length - new Set(offsets).size;
    const dlqOffsets = (await readCommitted(kafka, dlq)).map((r) => Number(r.offset));
    const lost = dlqOffsets.filter((o) => !offsets.includes(o)).length;
    expect({ reinjected: all.length, dupes, lost }).toEqual({ reinjected: DEAD, dupes: 0, lost: 0 });
    for (const r of all) {
      const i = Number(r.key!.slice('persona-'.length));
      expect(r.value.toString()).toBe(JSON.stringify({ n: i, text: `persona ${i}` }));
      expect(r.headers['x-origin']).toBe(`crawl-${i}`);
      expect(r.headers[REPLAY_HEADERS.originOffset]).toBe(String(i));
      expect(r.headers).not.toHaveProperty(DLQ_HEADERS.code);
    }

    const again = startReplay(args);
    expect(await again.exited, again.output()).toBe(0);
    expect(again.output()).toMatch(/to replay\s+0\s/);
    expect((await replayed()).length).toBe(DEAD);
  });
});
