import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from '../../src/kafka/client.js';
import type { Kafka } from './helpers.js';
import { dlqTopic } from '../../src/contracts/dlq.js';
import { spawnSlowStage } from './child.js';
import { committedOffset, createTopics, produce, readAll, connectBroker, uniq, waitFor } from './helpers.js';

/**
 * Crash test: a child process runs a stage with a slow fake stage function (100-400 ms per record, 32 in flight);
 * it is SIGKILLed at random moments (during start-up, rebalance, processing, commit) many times while input keeps
 * flowing, and restarted each time. At the end a read_committed consumer counts outputs per input:
 * `lost` inputs without output, `duplicates` outputs beyond the first. Both must be 0.
 */
const KILLS = Number(process.env.CHAOS_KILLS ?? 10);
const PARTITIONS = 3;

describe('crash test: SIGKILL while input flows', () => {
  let kafka: Kafka;
  let admin: Admin;
  beforeAll(async () => void ({ kafka, admin } = await connectBroker()));
  afterAll(() => admin.disconnect());

  it('every input produces exactly one output (read_committed)', async () => {
    const prefix = `${uniq('chaos')}.`;
    const input = `${prefix}in`;
    await createTopics(admin, [input, dlqTopic(input, 'slow'), `${prefix}out`], PARTITIONS);
    const groupId = `${prefix}personahub.slow`;

    // input keeps flowing in the background until the last kill
    let produced = 0;
    let killing = true;
    const feeding = (async () => {
      while (killing) {
        const n0 = produced;
        const batch = Array.from({ length: 25 }, (_, i) => ({ key: String(n0 + i), value: JSON.stringify({ n: n0 + i }) }));
        await produce(kafka, input, batch);
        produced += batch.length;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    let midProcessing = 0;
    for (let k = 0; k < KILLS; k++) {
      const child = spawnSlowStage([prefix, '100', '400', '32']);
      // every 4th kill lands during start-up / group join, after a random delay; the others land while records are
      // in flight: the kill waits until the child has handed a random number of records to its stage (so it does
      // not depend on how fast this machine is), then a random 0-1.5 s more, so it also falls right before, during
      // or right after a commit round (every 100 ms)
      const early = k % 4 === 3;
      let killAfterMs: number;
      if (early) {
        killAfterMs = 300 + Math.random() * 3_000;
        await Promise.race([child.exited, new Promise((r) => setTimeout(r, killAfterMs))]);
      } else {
        const target = 1 + Math.floor(Math.random() * 64);
        let gone = false;
        void child.exited.then(() => (gone = true));
        await waitFor(`child ${k + 1} began ${target} records`, () => gone || child.begun.length >= target, 120_000, 10);
        killAfterMs = Math.random() * 1_500;
        await Promise.race([child.exited, new Promise((r) => setTimeout(r, killAfterMs))]);
      }
      child.proc.kill('SIGKILL');
      await child.exited;
      if (child.begun.length > 0) midProcessing++;
      process.stdout.write(`kill ${k + 1}/${KILLS} ${early ? 'during start-up' : 'while processing'} +${Math.round(killAfterMs)} ms: ${child.begun.length} records begun\n`);
    }
    killing = false;
    await feeding;
    const INPUTS = produced;

    // final run without crashes: let it finish everything, then stop cleanly
    const last = spawnSlowStage([prefix, '100', '400', '32']);
    await last.ready; // its SIGTERM handler is installed
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
    process.stdout.write(`inputs=${INPUTS} outputs=${out.length} kills=${KILLS} (${midProcessing} mid-processing) lost=${lost} duplicates=${duplicates}\n`);
    expect({ lost, duplicates }).toEqual({ lost: 0, duplicates: 0 });
    // by construction at least the 3 of every 4 non-early kills hit a child with records in flight
    expect(midProcessing, 'kills that hit a child while it was processing').toBeGreaterThanOrEqual(Math.ceil((KILLS * 3) / 4));
  });
});
