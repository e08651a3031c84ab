import { describe, expect, it } from 'vitest';
import { personaId } from '../../src/dedup/normalize.js';
import { wordJaccard } from '../../src/dedup/minhash.js';
import { generatePersonaSet } from '../../src/dedup/eval/personas.js';
import { DEDUP_STREAM_TOPICS as T } from '../../src/dedup/stream/specs.js';
import { produce, readAll, waitFor } from '../runtime/helpers.js';
import { createDedupTopics, dedupDrained, dedupSuite, persona } from './stream-helpers.js';

/**
 * Issue 7 "must show", on the real broker: two dedup instances (separate processes, one consumer group per stage)
 * on topics with several partitions drop every planted near-duplicate; after SIGKILL of every instance and a
 * restart, the filter still remembers what it saw (state restored from the compacted changelog).
 */

/** Bases far from each other; planted near-duplicates (word-Jaccard >= 0.9 to a base, by realistic edits, exact copies included). */
function plan() {
  const set = generatePersonaSet({ seed: 99, bases: 400 });
  const bases: string[] = [];
  for (const it of set) {
    if (it.origin !== 'base') continue;
    if (bases.every((b) => wordJaccard(b, it.text) < 0.5)) bases.push(it.text);
    if (bases.length >= 110) break;
  }
  const first = bases.slice(0, 80);
  const later = bases.slice(80);
  const planted: string[] = [];
  for (const it of set) {
    const base = set.find((b) => b.id === it.base)!;
    if (it.origin.startsWith('edit:') && first.includes(base.text) && wordJaccard(it.text, base.text) >= 0.9) planted.push(it.text);
  }
  // exact copies (different case/punctuation) of a few bases, and of a later base within the same batch
  planted.push(...first.slice(0, 10).map((t) => t.toUpperCase()));
  const laterCopies = later.slice(0, 5).map((t) => t.replace(/\.$/, '!'));
  return { first, later, planted, laterCopies };
}

describe('streaming persona dedup on the real broker', () => {
  const suite = dedupSuite();

  it('two instances drop every planted near-duplicate; after SIGKILL and restart the filter still remembers', async () => {
    const { kafka, admin } = suite;
    const prefix = suite.newPrefix('dedup');
    const P = (t: string) => prefix + t;
    await createDedupTopics(admin, prefix);

    const { first, later, planted, laterCopies } = plan();
    expect(planted.length).toBeGreaterThan(60);
    const outputIds = async (n: number) => (await readAll(kafka, P(T.personas.output), (r) => r.length >= n, 90_000)).map((r) => r.key!);
    const drained = () => dedupDrained(kafka, admin, prefix);

    // --- phase 1: two instances, first batch of distinct personas
    // 3 of the 4 route partitions in use: items hop through up to 3 partitions, owned by two processes
    const a = suite.spawn(prefix, 3);
    const b = suite.spawn(prefix, 3);
    await Promise.all([a.ready, b.ready]);
    await produce(kafka, P(T.personas.input), first.map((t, i) => ({ key: personaId(t), value: JSON.stringify(persona(t, i)) })));
    const out1 = await outputIds(first.length);
    expect(new Set(out1)).toEqual(new Set(first.map(personaId)));

    // --- phase 2 (same two instances): planted near-duplicates of phase-1 personas, new distinct personas and
    // exact copies of those, all at once and interleaved
    const batch2 = [...planted, ...later, ...laterCopies].map((t, i) => ({ t, i })).sort((x, y) => ((x.i * 7919) % 101) - ((y.i * 7919) % 101));
    await produce(kafka, P(T.personas.input), batch2.map(({ t, i }) => ({ key: personaId(t), value: JSON.stringify(persona(t, 1000 + i)) })));
    await waitFor('both stages drained', drained, 120_000, 500);
    const out2 = await outputIds(first.length + later.length);
    // a copy and its original share the id: exactly one gets out
    expect(out2.length).toBe(first.length + later.length);
    expect(new Set(out2)).toEqual(new Set([...first, ...later].map(personaId)));

    // --- phase 3: SIGKILL every instance, restart one, offer new near-duplicates (one added word) of phase-1 personas
    a.proc.kill('SIGKILL');
    b.proc.kill('SIGKILL');
    await Promise.all([a.exited, b.exited]);
    const c = suite.spawn(prefix, 3);
    await c.ready;
    const replanted = first.map((t) => t.replace(/^(\S+ \S+)/, '$1 reliable')).filter((t, i) => wordJaccard(t, first[i]!) >= 0.9);
    expect(replanted.length).toBeGreaterThan(60);
    await produce(kafka, P(T.personas.input), replanted.map((t, i) => ({ key: `r${i}`, value: JSON.stringify(persona(t, 5000 + i)) })));
    const fresh = 'A lighthouse keeper who catalogues shipwrecks along a stormy northern coast and paints seabirds.';
    await produce(kafka, P(T.personas.input), [{ key: 'fresh', value: JSON.stringify(persona(fresh, 9999)) }]);
    await outputIds(first.length + later.length + 1);
    await waitFor('restarted instance drained', drained, 120_000, 500);
    const final = await outputIds(first.length + later.length + 1);
    expect(final.length, c.stderr()).toBe(first.length + later.length + 1);
    expect(final[final.length - 1]).toBe(personaId(fresh));
  }, 300_000);
});
