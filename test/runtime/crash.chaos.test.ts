import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { dlqTopic } from '../../src/contracts/dlq.js';
import { spawnSlowStage } from './child.js';
import { committedOffset, createTopics, produce, readAll, testKafka, uniq, waitFor } from './helpers.js';

/**
 * Crash test: a child process runs a stage with a slow fake stage function (30-250 ms per record, 32 in flight);
 * it is SIGKILLed at random moments (during start-up, rebalance, processing, commit) many times while input keeps
 * flowing, and restarted each time. At the end a read_committed consumer counts outputs per input:
 * `lost` inputs without output, `duplicates` outputs beyond the first. Both must be 0.
 */
const KILLS = Number(process.env.CHAOS_KILLS ?? 10);
const INPUTS = Number(process.env.CHAOS_INPUTS ?? 1500);
const PARTITIONS = 3;

describe('crash test: SIGKILL while input flows', () => {
  let kafka: Kafka;
  let admin: Admin;
  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(() => admin.disconnect());

  it('every input produces exactly one output (read_committed)', async () => {
    const prefix = `${uniq('chaos')}.`;
    const input = `${prefix}in`;
    await createTopics(admin, [input, dlqTopic(input, 'slow'), `${prefix}out`], PARTITIONS);
    const groupId = `${prefix}personahub.slow`;

    // input keeps flowing in the background for most of the kill cycles
    let produced = 0;
    const feeding = (async () => {
      while (produced < INPUTS) {
        const n0 = produced;
        const batch = Array.from({ length: Math.min(25, INPUTS - n0) }, (_, i) => ({ key: String(n0 + i), value: JSON.stringify({ n: n0 + i }) }));
        await produce(kafka, input, batch);
        produced += batch.length;
        await new Promise((r) => setTimeout(r, 150));
      }
    })();

    for (let k = 0; k < KILLS; k++) {
      const child = spawnSlowStage([prefix, '30', '250', '32']);
      // kill anywhere from start-up (before assignment) to well into processing
      const killAfterMs = 1_500 + Math.random() * 7_000;
      await Promise.race([child.exited, new Promise((r) => setTimeout(r, killAfterMs))]);
      child.proc.kill('SIGKILL');
      await child.exited;
      process.stdout.write(`kill ${k + 1}/${KILLS} after ${Math.round(killAfterMs)} ms: ${child.begun.length} records begun\n`);
    }
    await feeding;

    // final run without crashes: let it finish everything, then stop cleanly
    const last = spawnSlowStage([prefix, '30', '250', '32']);
    const ends = await admin.fetchTopicOffsets(input);
    await waitFor('final run committed everything', async () => {
      for (const e of ends) if ((await committedOffset(admin, groupId, input, e.partition)) < Number(e.high)) return false;
      return true;
    }, 240_000, 500);
    last.proc.kill('SIGTERM');
    expect(await last.exited, last.stderr()).toBe(0);

    const out = await readAll(kafka, `${prefix}out`, (r) => r.length >= INPUTS, 60_000);
    const counts = new Map<number, number>();
    for (const r of out) {
      const n = Number(JSON.parse(r.value.toString()).n);
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    let lost = 0;
    let duplicates = 0;
    for (let n = 0; n < INPUTS; n++) {
      const c = counts.get(n) ?? 0;
      if (c === 0) lost++;
      else duplicates += c - 1;
    }
    process.stdout.write(`inputs=${INPUTS} outputs=${out.length} kills=${KILLS} lost=${lost} duplicates=${duplicates}\n`);
    expect({ lost, duplicates }).toEqual({ lost: 0, duplicates: 0 });
  });
});
