import { readdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ALL_TOPIC_DEFS } from '../../topics/index.js';
import { columnSpec, contractColumns, toColumns } from '../../src/export/columns.js';
import { renderCard, sizeCategory } from '../../src/export/card.js';
import { EXPORT_STATE_FILE, HfFolder, shardName } from '../../src/export/hf-folder.js';
import { count, emptyStats } from '../../src/export/stats.js';
import { syntheticSampleSchema } from '../../src/contracts/synthetic.js';
import { tempDir } from '../support/temp-dir.js';

describe('columns from the zod contract', () => {
  it('every topic contract maps to a struct of columns', () => {
    for (const d of ALL_TOPIC_DEFS.filter((t) => t.value)) expect(contractColumns(d.value!.schema).kind, d.name).toBe('struct');
  });

  it.each([
    ['string', z.string(), { kind: 'utf8' }],
    ['enum', z.enum(['a', 'b']), { kind: 'utf8' }],
    ['integer', z.number().int(), { kind: 'int64' }],
    ['number', z.number(), { kind: 'float64' }],
    ['boolean', z.boolean(), { kind: 'bool' }],
    ['array', z.array(z.string()), { kind: 'list', item: { kind: 'utf8' }, itemNullable: false }],
    ['record (free keys)', z.record(z.string(), z.union([z.string(), z.number()])), { kind: 'json' }],
    ['mixed union', z.union([z.string(), z.number()]), { kind: 'json' }],
  ])('%s', (_n, schema, want) => {
    expect(columnSpec(z.toJSONSchema(schema, { target: 'draft-7' }) as Record<string, unknown>)).toEqual(want);
  });

  it('nullable and optional fields are nullable columns; required ones are not', () => {
    const spec = contractColumns(z.object({ a: z.string(), b: z.string().nullable(), c: z.number().int().optional(), d: z.object({ e: z.boolean() }).optional() }));
    expect(spec.fields.map((f) => [f.name, f.spec.kind, f.nullable])).toEqual([
      ['a', 'utf8', false],
      ['b', 'utf8', true],
      ['c', 'int64', true],
      ['d', 'struct', true],
    ]);
  });

  it('a synthetic sample keeps provenance and lineage nested; params is JSON text; ints are bigint', () => {
    const spec = contractColumns(syntheticSampleSchema('math'));
    const prov = spec.fields.find((f) => f.name === 'provenance')!.spec;
    expect(prov.kind).toBe('struct');
    const row = toColumns(spec, {
      id: 'x', scenario: 'math', personaId: 'p', persona: 't', mode: 'zero-shot', output: { problem: 'q', solution: null },
      provenance: { stage: 's', model: 'm', simulated: false, promptId: 'i', promptVersion: '1', params: { t: 0.5, n: null }, usage: { inputTokens: 3, outputTokens: 4 }, createdAt: 'c' },
      lineage: { rootDocId: 'd', rootUrl: 'u', personaHop: 1, personaParentId: null, personaRelation: null } }) as Record<string, Record<string, unknown>>;
    expect(row.provenance!.params).toBe('{"t":0.5,"n":null}');
    expect(row.provenance!.usage).toEqual({ inputTokens: 3n, outputTokens: 4n });
    expect(row.provenance!.cache).toBeNull();
    expect(row.output).toEqual({ problem: 'q', solution: null });
  });
});

describe('dataset card', () => {
  it('has front matter with the licence and the split pattern, and names models, prompts, counts and simulation', () => {
    const stats = emptyStats();
    for (let i = 0; i < 3; i++) count(stats, { scenario: 'math', provenance: { model: 'personahub-sim-1', promptId: 'synthesize.math', promptVersion: '2', simulated: true, createdAt: `2026-01-0${i + 1}`, cache: { hit: i === 0 } } });
    const card = renderCard({ topic: 'synth.math', split: 'train', license: 'cc-by-4.0', prettyName: 'personahub synth.math', stats, shards: 1, exportedAt: 'now', follow: false });
    expect(card).toMatch(/^---\nlicense: cc-by-4.0\n/);
    expect(card).toContain('path: data/train-*.parquet');
    expect(card).toContain('size_categories:\n  - n<1K');
    expect(card).toContain('personahub-sim-1 (3)');
    expect(card).toContain('synthesize.math@2 (3)');
    expect(card).toContain('3 of 3 rows were produced by personahub\'s LLM simulator');
    expect(card).toContain('| rows answered from the LLM response cache | 1 |');
    expect([sizeCategory(999), sizeCategory(1000), sizeCategory(2_000_000)]).toEqual(['n<1K', '1K<n<10K', '1M<n<10M']);
  });
});

describe('HfFolder state', () => {
  const Rec = z.object({ id: z.string() });
  const open = (out: string, resume: boolean) =>
    HfFolder.open({ out, topic: 't', schema: Rec, physicalTopic: 'p.t', split: 'train', license: 'other', prettyName: 'x', rowGroupSize: 10, follow: resume, resume });

  it('commits shards with their offsets; a shard the state does not name is removed on resume; offsets continue', async () => {
    const out = tempDir('hf-folder-');
    const f = await open(out, true);
    await f.append({ id: 'a' }, 0, 5);
    await f.append({ id: 'b' }, 1, 7);
    expect(await f.commitShard({ 2: 3 })).toBe(2);
    expect(f.startOffsets).toEqual({ 0: 6, 1: 8, 2: 3 });
    // A shard renamed into place but never recorded (the process stopped between the two renames).
    writeFileSync(join(out, 'data', shardName('train', 1)), 'orphan');
    const again = await open(out, true);
    expect(readdirSync(join(out, 'data'))).toEqual([shardName('train', 0)]);
    expect([again.rows, again.shards, again.startOffsets]).toEqual([2, 1, { 0: 6, 1: 8, 2: 3 }]);
    expect(existsSync(join(out, 'README.md'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, EXPORT_STATE_FILE), 'utf8')).rows).toBe(2);
  });

  it('refuses a folder with files but no state, and a second non-follow export into the same folder', async () => {
    const out = tempDir('hf-folder-');
    const f = await open(out, false);
    await f.append({ id: 'a' }, 0, 0);
    await f.commitShard();
    await expect(open(out, false)).rejects.toMatchObject({ code: 'config_invalid' });
    const other = tempDir('hf-folder-');
    await open(other, false);
    writeFileSync(join(other, 'data', 'x.parquet'), 'x');
    await expect(open(other, false)).rejects.toThrow(/already holds files/);
  });
});
