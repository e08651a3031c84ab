import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from '../../src/kafka/client.js';
import type { Kafka } from '../runtime/helpers.js';
import { personaId } from '../../src/dedup/normalize.js';
import { wordJaccard } from '../../src/dedup/minhash.js';
import { generatePersonaSet } from '../../src/dedup/eval/personas.js';
import { DEDUP_STREAM_TOPICS as T } from '../../src/dedup/stream/specs.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { embedText } from '../../src/sim/embeddings.js';
import { produce, readAll, connectBroker, uniq, waitFor } from '../runtime/helpers.js';
import { createDedupTopics, dedupDrained, deletePrefixed, persona, spawnDedupChild, type DedupChild } from './stream-helpers.js';

/**
 * Semantic dedup in the stream (personas.method `semantic`), on the real broker with personahub's LLM simulator
 * serving /v1/embeddings (SIMULATOR: hashed bag-of-words vectors, not a model's): a persona whose embedding has
 * cosine >= 0.9 with a kept one is dropped even though MinHash alone would keep it (word-Jaccard < 0.9), and one
 * below 0.9 passes. Two processes share the route partitions (2 in use).
 */
const EXTRA = ['patiently', 'coastal', 'archives', 'volunteer', 'saturday', 'meticulous', 'ceramic'];
const SIM_SEED = 7;
const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

function plan() {
  const set = generatePersonaSet({ seed: 41, bases: 300 });
  const bases: string[] = [];
  for (const it of set) {
    if (it.origin !== 'base') continue;
    if (bases.every((b) => wordJaccard(b, it.text) < 0.5)) bases.push(it.text);
    if (bases.length >= 40) break;
  }
  const emb = (t: string) => embedText(t, 256, SIM_SEED);
  const semantic: string[] = []; // cosine >= 0.9 to its base, word-Jaccard < 0.9: only the semantic check drops it
  const distinct: string[] = []; // cosine < 0.9 and word-Jaccard < 0.9: kept
  for (const b of bases) {
    const near = `${b.replace(/[.!]$/, '')} ${EXTRA.slice(0, 2).join(' ')}`;
    const far = `${b.replace(/[.!]$/, '')} ${EXTRA.slice(2).join(' ')}`;
    if (wordJaccard(near, b) < 0.9 && cos(emb(near), emb(b)) >= 0.9) semantic.push(near);
    if (wordJaccard(far, b) < 0.9 && cos(emb(far), emb(b)) < 0.9 && cos(emb(far), emb(near)) < 0.9) distinct.push(far);
  }
  return { bases, semantic, distinct };
}

describe('semantic dedup in the stream (simulator embeddings)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let sim: Simulator;
  const children: DedupChild[] = [];
  const prefixes: string[] = [];
  beforeAll(async () => {
    ({ kafka, admin } = await connectBroker());
    sim = await startSimulator({ port: 0, seed: SIM_SEED, embeddingDims: 256 });
  });
  afterAll(async () => {
    for (const c of children) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await deletePrefixed(admin, prefixes);
    await admin.disconnect();
    await sim.close();
  });

  it('drops personas within cosine 0.9 of a kept one that MinHash would keep; keeps the rest', async () => {
    const { bases, semantic, distinct } = plan();
    expect(semantic.length).toBeGreaterThanOrEqual(10);
    expect(distinct.length).toBeGreaterThanOrEqual(10);
    const prefix = `${uniq('dedups')}.`;
    prefixes.push(prefix);
    const P = (t: string) => prefix + t;
    await createDedupTopics(admin, prefix);
    const a = spawnDedupChild(prefix, 2, sim.url);
    const b = spawnDedupChild(prefix, 2, sim.url);
    children.push(a, b);
    await Promise.all([a.ready, b.ready]);

    await produce(kafka, P(T.personas.input), bases.map((t, i) => ({ key: personaId(t), value: JSON.stringify(persona(t, i)) })));
    await readAll(kafka, P(T.personas.output), (r) => r.length >= bases.length, 90_000);
    await produce(kafka, P(T.personas.input), [...semantic, ...distinct].map((t, i) => ({ key: personaId(t), value: JSON.stringify(persona(t, 100 + i)) })));
    await waitFor('both stages drained', () => dedupDrained(kafka, admin, prefix), 120_000, 500).catch((e: Error) => {
      throw new Error(`${e.message}\n${a.stderr()}\n${b.stderr()}`);
    });
    const out = (await readAll(kafka, P(T.personas.output), (r) => r.length >= bases.length + distinct.length, 30_000)).map((r) => r.key!);
    expect(out.length, a.stderr() + b.stderr()).toBe(bases.length + distinct.length);
    expect(new Set(out)).toEqual(new Set([...bases, ...distinct].map(personaId)));
  }, 300_000);
});
