import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dedupJsonl, textOf } from '../../src/dedup/offline.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('dedup-offline-');
const BASE = 'A pediatric nurse who specializes in caring for premature infants and volunteers at a free clinic.';
const LINES = [
  JSON.stringify({ persona: BASE, n: 1 }),
  JSON.stringify({ text: BASE.toUpperCase() }), // exact copy after normalisation
  '{not json',
  JSON.stringify({ persona: BASE.replace('who', 'who dedicated'), extra: [1, 2] }), // one added word: J = 16/17
  '',
  JSON.stringify({ other: 'no text field' }),
  JSON.stringify({ persona: BASE.replace('pediatric', 'geriatric') }), // hard negative: J = 15/17
  '[1,2]',
];

describe('textOf', () => {
  it.each([
    ['{"persona":"a"}', { text: 'a' }],
    ['{"text":"b"}', { text: 'b' }],
    ['{"persona":"a","text":"b"}', { text: 'a' }],
    ['{"persona":3}', { error: 'no string "persona" or "text" field' }],
    ['nope', { error: 'not valid JSON' }],
    ['"str"', { error: 'not a JSON object' }],
  ])('%s', (line, expected) => expect(textOf(line)).toEqual(expected));
});

describe('dedupJsonl', () => {
  it.each([
    ['minhash', [0, 6], { exact: 1, minhash: 1 }],
    ['exact', [0, 3, 6], { exact: 1 }],
  ] as const)('method %s keeps lines %j unchanged and reports bad lines by number', async (method, keptIdx, kinds) => {
    const inPath = join(dir, `in-${method}.jsonl`);
    const outPath = join(dir, `out-${method}.jsonl`);
    writeFileSync(inPath, LINES.join('\n') + '\n');
    const bad: number[] = [];
    const r = await dedupJsonl(inPath, outPath, { method, onBadLine: (n) => bad.push(n) });
    expect(readFileSync(outPath, 'utf8')).toBe(keptIdx.map((i) => LINES[i] + '\n').join(''));
    expect(bad).toEqual([3, 6, 8]);
    expect(r).toMatchObject({ read: 7, kept: keptIdx.length, bad: 3, droppedByKind: kinds });
  });

  it('semantic: MinHash first, then embedding cosine among the survivors, in batches', async () => {
    const inPath = join(dir, 'in-sem.jsonl');
    const outPath = join(dir, 'out-sem.jsonl');
    const texts = ['A nurse who works nights.', 'A night-shift nurse in a hospital ward.', 'An astronaut who trains in deep pools.'];
    writeFileSync(inPath, texts.map((t) => JSON.stringify({ text: t })).join('\n') + '\n');
    // stand-in embedder: "nurse" texts share a direction
    const embed = async (xs: string[]) => xs.map((t) => (t.includes('nurse') ? [1, 0.05 * t.length, 0] : [0, 0, 1]));
    const batches: number[] = [];
    const r = await dedupJsonl(inPath, outPath, { method: 'semantic', batchSize: 2, embed: async (xs) => (batches.push(xs.length), embed(xs)) });
    expect(readFileSync(outPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l).text)).toEqual([texts[0], texts[2]]);
    expect(r.droppedByKind).toEqual({ semantic: 1 });
    expect(batches).toEqual([2, 1]);
  });
});
