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
});
