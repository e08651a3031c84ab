import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics/catalogue.js';
import { AttributeCoverage } from '../../../src/stages/diversity/coverage.js';
import { DistinctWindow, ngrams, outputText, tokens } from '../../../src/stages/diversity/ngrams.js';
import { PersonaDiversity, ScenarioDiversity } from '../../../src/stages/diversity/observe.js';
import { SimilaritySample, cosine } from '../../../src/stages/diversity/similarity.js';
import { DiversityConfig } from '../../../src/stages/diversity/spec.js';
import type { LlmClient } from '../../../src/llm/types.js';
import { silentLogger } from '../fake-llm.js';

/** distinct-n computed from scratch over a list of texts (the reference the incremental window must equal). */
function reference(texts: string[], n: number): number {
  const all = texts.flatMap((t) => ngrams(tokens(t), n));
  return new Set(all).size / all.length;
}

describe('distinct-n over a sliding window', () => {
  it('tokenises and builds n-grams', () => {
    expect(tokens("The baker's 3 loaves, the BAKER!")).toEqual(["the", "baker's", '3', 'loaves', 'the', 'baker']);
    expect(ngrams(['a', 'b', 'c'], 2)).toEqual(['a b', 'b c']);
    expect(outputText({ title: 'T', body: ['x', { y: 'z' }], n: 3 })).toBe('T\nx\nz');
  });

  it('equals the from-scratch value of the last `window` texts after every add', () => {
    const texts = Array.from({ length: 40 }, (_, i) => `word${i % 7} shared text number ${i % 3} ${i % 5 === 0 ? 'rare' : ''}`);
    const w = new DistinctWindow(10);
    texts.forEach((t, i) => {
      w.add(t);
      const last = texts.slice(Math.max(0, i - 9), i + 1);
      expect(w.distinct(1)).toBeCloseTo(reference(last, 1), 12);
      expect(w.distinct(2)).toBeCloseTo(reference(last, 2), 12);
    });
    expect(w.size).toBe(10);
    const same = new DistinctWindow(5);
    for (let i = 0; i < 5; i++) same.add('one two three');
    expect(same.distinct(1)).toBeCloseTo(3 / 15);
    expect(new DistinctWindow(3).distinct(1)).toBeUndefined();
  });
});

describe('mean pairwise similarity', () => {
  it('equals the mean over all pairs of the last `size` vectors', () => {
    const vs = [[1, 0], [0, 1], [1, 1], [1, -1], [2, 0.5]];
    const s = new SimilaritySample(3);
    expect(s.mean()).toBeUndefined();
    vs.forEach((v, i) => {
      s.add(v);
      const last = vs.slice(Math.max(0, i - 2), i + 1);
      if (last.length < 2) return;
      let sum = 0;
      let pairs = 0;
      for (let a = 0; a < last.length; a++) for (let b = a + 1; b < last.length; b++, pairs++) sum += cosine(last[a]!, last[b]!);
      expect(s.mean()).toBeCloseTo(sum / pairs, 12);
    });
    expect(cosine([1, 0], [0, 0])).toBe(0);
  });
});

describe('attribute coverage', () => {
  it('marks values new once (case-insensitive), counts every interest, forgets the oldest past the bound', () => {
    const c = new AttributeCoverage(2);
    expect(c.observe({ domain: 'Finance', interests: ['tax', 'audit'] })).toEqual([
      { attribute: 'domain', novelty: 'new' },
      { attribute: 'interests', novelty: 'new' },
      { attribute: 'interests', novelty: 'new' },
    ]);
    expect(c.observe({ domain: ' finance ', interests: ['tax'] }).map((x) => x.novelty)).toEqual(['seen', 'seen']);
    c.observe({ interests: ['payroll'] }); // bound 2: 'tax' is forgotten
    expect(c.observe({ interests: ['tax'] })).toEqual([{ attribute: 'interests', novelty: 'new' }]);
    expect(c.distinct('interests')).toBe(2);
    expect(c.observe(undefined)).toEqual([]);
  });
});

describe('observers report to the catalogue', () => {
  const values = async (m: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>; value: number }> }> }) =>
    Object.fromEntries((await m.get()).values.map((v) => [Object.values(v.labels).join('/'), v.value]));

  it('PersonaDiversity: unique personas per hop and attribute novelty', async () => {
    const metrics = createMetrics(new Registry());
    const d = new PersonaDiversity(DiversityConfig.parse(undefined), metrics);
    const p = (hop: number, domain: string) => ({ hop, attributes: { domain } }) as never;
    d.observe(p(0, 'law'));
    d.observe(p(1, 'law'));
    d.observe(p(1, 'music'));
    expect(await values(metrics.uniquePersonas)).toEqual({ '0': 1, '1': 2 });
    expect(await values(metrics.personaAttributeValues)).toEqual({ 'domain/new': 2, 'domain/seen': 1 });
    expect(await values(metrics.personaAttributeDistinct)).toEqual({ domain: 2 });
  });

  it('ScenarioDiversity: distinct-n gauges; every n-th fresh output embedded, cached ones never, failures never thrown', async () => {
    const metrics = createMetrics(new Registry());
    const embedded: string[] = [];
    let fail = false;
    const llm = {
      complete: async () => {
        throw new Error('unused');
      },
      embed: async (req: { stage: string; input: string[] }) => {
        if (fail) throw new Error('no embeddings here');
        embedded.push(req.input[0]!);
        return { vectors: [req.input[0]!.includes('a') ? [1, 0] : [1, 1]], model: 'e', usage: { inputTokens: 1, outputTokens: 0 } };
      },
    } as unknown as LlmClient;
    const d = new ScenarioDiversity('math', DiversityConfig.parse({ embeddingEvery: 2 }), metrics, llm, silentLogger);
    const settle = () => new Promise((r) => setTimeout(r, 0));
    for (const text of ['a b', 'c d', 'a x', 'e f']) {
      d.observe({ problem: text });
      await settle();
    }
    expect(embedded).toEqual(['a b', 'a x']);
    d.observe({ problem: 'zzz' }, { fromCache: true });
    await settle();
    expect(embedded).toHaveLength(2);
    const g = await values(metrics.synthDistinctNgrams);
    expect(g['math/1']).toBeCloseTo(8 / 9); // a b c d a x e f zzz
    expect(g['math/2']).toBeCloseTo(1);
    expect(await values(metrics.synthEmbeddingSimilarity)).toEqual({ math: 1 });
    fail = true;
    d.observe({ problem: 'b b' });
    await settle();
    expect(await values(metrics.synthEmbeddingSimilarity)).toEqual({ math: 1 });
  });
});
