import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from '../../src/kafka/client.js';
import type { Kafka } from './helpers.js';
import { dlqTopic } from '../../src/contracts/dlq.js';
import { spawnSlowStage } from './child.js';
import { committedOffset, createTopics, produce, readAll, connectBroker, uniq, waitFor } from './helpers.js';

describe('SIGTERM', () => {
  let kafka: Kafka;
  let admin: Admin;
  beforeAll(async () => void ({ kafka, admin } = await connectBroker()));
  afterAll(() => admin.disconnect());

  it('drains in-flight work, commits it, and exits 0', async () => {
    const prefix = `${uniq('term')}.`;
    await createTopics(admin, [`${prefix}in`, dlqTopic(`${prefix}in`, 'slow')], 1);
    await createTopics(admin, [`${prefix}out`], 1);
    await produce(kafka, `${prefix}in`, Array.from({ length: 200 }, (_, n) => ({ key: String(n), value: JSON.stringify({ n }) })));
    // 300-600 ms per record, 16 in flight: SIGTERM lands while many records are mid-processing
    const child = spawnSlowStage([prefix, '300', '600', '16']);
    await child.ready;
    await waitFor('records in flight', () => child.begun.length >= 24, 60_000);
    child.proc.kill('SIGTERM');
    const code = await child.exited;
    expect(code, child.stderr()).toBe(0);

    const begun = child.begun.map((b) => Number(b.split(':')[1]));
    const highestBegun = Math.max(...begun);
    const committed = await committedOffset(admin, `${prefix}personahub.slow`, `${prefix}in`);
    // everything handed to the stage before the signal was finished and committed ...
    expect(committed).toBe(highestBegun + 1);
    expect(committed).toBeLessThan(200);
    // ... with exactly one output each
    const out = await readAll(kafka, `${prefix}out`, (r) => r.length >= committed, 30_000);
    expect(out.map((r) => Number(r.key)).sort((a, b) => a - b)).toEqual(Array.from({ length: committed }, (_, i) => i));
  });

  it('while the stage still waits for an unreachable broker to start: ends the start and exits, instead of waiting on', async () => {
    // A port nothing listens on: the consumer's connect fails as transient and is retried for as long as the broker
    // stays away. Measured before the fix: a process signalled then kept retrying for 35 minutes, until killed.
    const closedPort = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });
    const child = spawnSlowStage([`${uniq('term-nobroker')}.`, '10', '20'], {
      PERSONAHUB_KAFKA_BROKERS: `127.0.0.1:${closedPort}`,
      PERSONAHUB_LOG_LEVEL: 'info',
    });
    await waitFor('a connect attempt that failed', () => child.stderr().includes('broker not reachable; retrying'), 60_000);
    const signalled = Date.now();
    child.proc.kill('SIGTERM');
    const code = await Promise.race([child.exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 60_000))]);
    if (code === 'alive') child.proc.kill('SIGKILL');
    expect(code, `still running 60 s after SIGTERM:\n${child.stderr().slice(-2000)}`).not.toBe('alive');
    // It never started, so it cannot report a clean drain: a failed start, and says why.
    expect(code).not.toBe(0);
    expect(child.stderr()).toContain('stopped before the stage started');
    expect(Date.now() - signalled).toBeLessThan(60_000);
  }, 150_000);
});
