import { describe, expect, it } from 'vitest';
import { readToEnd } from '../../src/kafka/read-to-end.js';
import { personaId } from '../../src/dedup/normalize.js';
import { wordJaccard } from '../../src/dedup/minhash.js';
import { generatePersonaSet } from '../../src/dedup/eval/personas.js';
import { DEDUP_STREAM_TOPICS as T } from '../../src/dedup/stream/specs.js';
import { loadConfig } from '../../src/config/load.js';
import { produce, readAll, waitFor } from '../runtime/helpers.js';
import { createDedupTopics, dedupDrained, dedupSuite, persona } from './stream-helpers.js';

/**
 * The dedup changelog on the real broker is compacted for real: each stored persona rewrites its cumulative segment
 * under the same key, the log cleaner removes the superseded versions (one record per full segment remains), and a
 * process restored from the compacted changelog still drops near-duplicates of everything it had stored.
 * The changelog rolls its log segments every 100 ms here (topics/dedup.ts: 10 min) so the cleaner runs within the test.
 */
describe('dedup changelog compaction', () => {
  const suite = dedupSuite();

  it('superseded segment versions are removed; a restore from the compacted log still knows every stored persona', async () => {
    const S = loadConfig().dedup.stream.segmentItems;
    const { kafka, admin } = suite;
    const prefix = suite.newPrefix('dedupc');
    const P = (t: string) => prefix + t;
    await createDedupTopics(admin, prefix, { 'segment.ms': '100', 'min.cleanable.dirty.ratio': '0.01', 'min.compaction.lag.ms': '0' });
    const bases: string[] = [];
    for (const it of generatePersonaSet({ seed: 77, bases: 400 })) {
      if (it.origin === 'base' && bases.every((b) => wordJaccard(b, it.text) < 0.5)) bases.push(it.text);
      if (bases.length >= 130) break;
    }
    const first = bases.slice(0, 112); // 14 full segments
    const second = bases.slice(112);
    const a = suite.spawn(prefix, 1);
    await a.ready;
    await produce(kafka, P(T.personas.input), first.map((t, i) => ({ key: personaId(t), value: JSON.stringify(persona(t, i)) })));
    await readAll(kafka, P(T.personas.output), (r) => r.length >= first.length, 90_000);
    // later writes roll the log segment holding the first batch's versions, so the cleaner can compact it
    await produce(kafka, P(T.personas.input), second.map((t, i) => ({ key: personaId(t), value: JSON.stringify(persona(t, 500 + i)) })));
    await waitFor('drained', () => dedupDrained(kafka, admin, prefix), 120_000, 500);

    const versions = async () => {
      const byKey = new Map<string, number>();
      await readToEnd({ client: kafka, topic: P(T.personas.changelog), partitions: [0], onRecord: (r) => void byKey.set(r.key!.toString(), (byKey.get(r.key!.toString()) ?? 0) + 1) });
      return byKey;
    };
    // every stored persona wrote one changelog record (bases.length in all); compaction leaves one per full segment
    const fullKeys = Array.from({ length: first.length / S }, (_, s) => `p0s${s}`);
    await waitFor(
      'the cleaner keeps one version of each full segment',
      async () => {
        const v = await versions();
        return fullKeys.every((k) => v.get(k) === 1);
      },
      90_000,
      1000,
    );
    const left = [...(await versions()).values()].reduce((n, c) => n + c, 0);
    expect(left).toBeLessThanOrEqual(fullKeys.length + second.length + S);
    expect(left).toBeLessThan(bases.length / 2);

    // restart from the compacted changelog: near-duplicates (one added word) of the first batch are all dropped
    a.proc.kill('SIGKILL');
    await a.exited;
    const b = suite.spawn(prefix, 1);
    await b.ready;
    const near = first.map((t) => t.replace(/^(\S+ \S+)/, '$1 reliable')).filter((t, i) => wordJaccard(t, first[i]!) >= 0.9);
    expect(near.length).toBeGreaterThan(80);
    const fresh = 'A lighthouse keeper who catalogues shipwrecks along a stormy northern coast and paints seabirds.';
    await produce(kafka, P(T.personas.input), [...near, fresh].map((t, i) => ({ key: personaId(t), value: JSON.stringify(persona(t, 900 + i)) })));
    await waitFor('restarted process drained', () => dedupDrained(kafka, admin, prefix), 120_000, 500);
    const out = (await readAll(kafka, P(T.personas.output), (r) => r.length >= bases.length + 1, 30_000)).map((r) => r.key!);
    expect(out.length, b.stderr()).toBe(bases.length + 1);
    expect(out[out.length - 1]).toBe(personaId(fresh));
  }, 300_000);
});
