import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyntheticSample } from '../../src/contracts/synthetic.js';
import { EXPORT_STATE_FILE } from '../../src/export/hf-folder.js';
import type { Admin } from '../../src/kafka/client.js';
import { connectBroker, createTopics, produce, uniq, type Kafka } from '../runtime/helpers.js';
import { deleteTopicsWithPrefix, eventually } from '../foundation/helpers.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * `personahub export --format parquet|hf [--follow]` against the real broker, and the files checked by readers
 * nobody here wrote: pyarrow and Hugging Face `datasets` (pinned, installed by scripts/export-check/install.sh
 * into the project cache). Row counts must equal the topic's; nested provenance must come back as structs.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const prefix = `${uniq('export')}.`;
const TOPIC = 'synth.math';
let kafka: Kafka;
let admin: Admin;
let py: string;
const hfHome = tempDir('hf-home-');

function sample(i: number): SyntheticSample<'math'> {
  return {
    id: `sample-${i}`,
    scenario: 'math',
    personaId: `persona-${i % 97}`,
    persona: `A surveyor number ${i} who measures river banks`,
    mode: 'persona-few-shot',
    output: { problem: `How long is bank ${i}?`, solution: i % 3 === 0 ? null : `It is ${i} m.` },
    provenance: {
      stage: 'synthesize-math',
      model: i % 2 ? 'personahub-sim-1' : 'gpt-4o-mini',
      simulated: i % 2 === 1,
      promptId: 'synthesize.math',
      promptVersion: '1',
      params: { temperature: 0.7, difficulty: 'hard', withSolution: i % 3 !== 0 },
      usage: { inputTokens: 100 + i, outputTokens: 20 + (i % 7) },
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      ...(i % 5 === 0 ? { cache: { hit: true, key: `v1:${i}` } } : {}) },
    lineage: { rootDocId: `doc-${i % 11}`, rootUrl: `https://example.org/${i % 11}`, personaHop: i % 3, personaParentId: i % 3 ? `persona-${i - 1}` : null, personaRelation: null } };
}

async function produceSamples(topic: string, from: number, to: number): Promise<void> {
  const msgs = [];
  for (let i = from; i < to; i++) msgs.push({ key: `sample-${i}`, value: JSON.stringify(sample(i)) });
  await produce(kafka, topic, msgs);
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = spawnSync(process.execPath, ['bin/personahub.mjs', ...args], { cwd: ROOT, env: { ...process.env, PERSONAHUB_LOG_LEVEL: 'error', ...env }, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Run Python with the pinned readers; the script prints one JSON value. */
async function python<T>(script: string, ...args: string[]): Promise<T> {
  const { stdout } = await run(py, ['-c', script, ...args], {
    env: { ...process.env, HF_HOME: hfHome, HF_DATASETS_OFFLINE: '1', HF_HUB_OFFLINE: '1', HF_HUB_DISABLE_TELEMETRY: '1' },
    timeout: 180_000,
    maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

const READ_HF = `
import json, sys, glob, tempfile
import datasets, pyarrow.parquet as pq
folder = sys.argv[1]
by_files = datasets.load_dataset("parquet", data_files={"train": sorted(glob.glob(folder + "/data/*.parquet"))}, split="train", cache_dir=tempfile.mkdtemp())
# A cache of its own per call: datasets caches a local folder by name, and these folders change between calls.
by_card = datasets.load_dataset(folder, split="train", cache_dir=tempfile.mkdtemp())
ids = by_files["id"]
row = next(r for r in by_files if r["id"] == sys.argv[2])
groups = [pq.ParquetFile(f).metadata.num_row_groups for f in sorted(glob.glob(folder + "/data/*.parquet"))]
print(json.dumps({"rows": by_files.num_rows, "cardRows": by_card.num_rows, "unique": len(set(ids)), "row": row, "rowGroups": groups,
  "features": str(by_files.features["provenance"])}))
`;

beforeAll(async () => {
  ({ kafka, admin } = await connectBroker());
  const r = spawnSync('bash', [join(ROOT, 'scripts/export-check/install.sh')], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`scripts/export-check/install.sh failed: ${r.stderr}`);
  py = r.stdout.trim().split('\n').at(-1)!;
  await createTopics(admin, [prefix + TOPIC, `${prefix}follow.${TOPIC}`, `${prefix}bad.${TOPIC}`], 3);
  await produceSamples(prefix + TOPIC, 0, 1234);
}, 600_000);

afterAll(async () => {
  await deleteTopicsWithPrefix(admin, prefix);
  await admin.disconnect();
});

describe('export --format hf / parquet (real broker, checked with datasets and pyarrow)', () => {
  it('hf: a datasets folder whose rows equal the topic, nested provenance as structs, shards and row groups as asked', async () => {
    const out = join(tempDir('export-hf-'), 'math');
    const r = await cli(['export', '--topic', TOPIC, '--prefix', prefix, '--format', 'hf', '--out', out, '--shard-rows', '500', '--row-group-size', '200', '--license', 'cc-by-4.0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('exported 1234 records');
    expect(readdirSync(join(out, 'data'))).toEqual(['train-00000.parquet', 'train-00001.parquet', 'train-00002.parquet']);
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toMatch(/^---\nlicense: cc-by-4.0\n/);
    expect(card).toContain('1234 rows in 3 Parquet shard(s)');
    expect(card).toContain('617 of 1234 rows were produced by personahub\'s LLM simulator');
    const got = await python<{ rows: number; cardRows: number; unique: number; row: Record<string, unknown>; rowGroups: number[]; features: string }>(READ_HF, out, 'sample-10');
    expect(got).toMatchObject({ rows: 1234, cardRows: 1234, unique: 1234, rowGroups: [3, 3, 2] });
    const want = sample(10);
    expect(got.row).toMatchObject({ id: want.id, output: want.output, lineage: want.lineage });
    expect(got.row.provenance).toEqual({ ...want.provenance, params: JSON.stringify(want.provenance.params) });
    expect(got.features).toContain("'usage': {'inputTokens': Value('int64')");
  });

  it('parquet: one file, row groups of --row-group-size, every row, the topic in the footer', async () => {
    const out = join(tempDir('export-pq-'), 'math.parquet');
    const r = await cli(['export', '--topic', TOPIC, '--prefix', prefix, '--format', 'parquet', '--out', out, '--row-group-size', '300']);
    expect(r.code, r.stderr).toBe(0);
    const got = await python<{ rows: number; groups: number; topic: string; nullSolutions: number }>(
      `
import json, sys, pyarrow.parquet as pq
f = pq.ParquetFile(sys.argv[1])
t = f.read()
print(json.dumps({"rows": t.num_rows, "groups": f.metadata.num_row_groups, "topic": f.metadata.metadata[b"personahub.topic"].decode(),
  "nullSolutions": t.column("output").combine_chunks().field("solution").null_count}))
`,
      out,
    );
    expect(got).toEqual({ rows: 1234, groups: 5, topic: prefix + TOPIC, nullSolutions: 412 });
  });

  it('records that do not decode or break the contract are skipped, reported, and the exit code says so', async () => {
    const topic = `${prefix}bad.${TOPIC}`;
    await produceSamples(topic, 0, 3);
    await produce(kafka, topic, [{ value: '{"id": "cut off' }, { value: JSON.stringify({ ...sample(9), scenario: 'tool' }) }]);
    const out = join(tempDir('export-bad-'), 'x.parquet');
    const r = await cli(['export', '--topic', TOPIC, '--prefix', `${prefix}bad.`, '--format', 'parquet', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('exported 3 records');
    expect(r.stderr).toContain('2 skipped');
    expect(r.stderr).toMatch(/not JSON/);
    expect(r.stderr).toMatch(/not a synth-math: scenario/);
    expect(await python<number>('import sys, json, pyarrow.parquet as pq; print(json.dumps(pq.read_table(sys.argv[1]).num_rows))', out)).toBe(3);
  });

  it('--push-to-hub without a token is refused before anything is read or written (exit 2); the Hub is never called', async () => {
    const out = join(tempDir('export-hub-'), 'math');
    const r = await cli(['export', '--topic', TOPIC, '--prefix', prefix, '--format', 'hf', '--out', out, '--push-to-hub', 'someone/personas'], { HF_TOKEN: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs a Hugging Face token in the environment variable HF_TOKEN');
    expect(existsSync(out)).toBe(false);
  });

  it('hf --follow: rolling shards as records arrive, its own group offsets, resumed after a stop without loss or duplicates', async () => {
    const topic = `${prefix}follow.${TOPIC}`;
    const out = join(tempDir('export-follow-'), 'math');
    const group = `${prefix}export-follow`;
    const state = () => (existsSync(join(out, EXPORT_STATE_FILE)) ? (JSON.parse(readFileSync(join(out, EXPORT_STATE_FILE), 'utf8')) as { rows: number; shards: number }) : undefined);
    const follow = () => {
      const child = spawn(process.execPath, ['bin/personahub.mjs', 'export', '--topic', TOPIC, '--prefix', `${prefix}follow.`, '--format', 'hf', '--out', out, '--follow', '--shard-rows', '100', '--shard-seconds', '1', '--group', group], {
        cwd: ROOT,
        env: { ...process.env, PERSONAHUB_LOG_LEVEL: 'error' },
        stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      return { child, exited, stderr: () => stderr };
    };

    const a = follow();
    await produceSamples(topic, 0, 250);
    await eventually(async () => (state()?.rows === 250 ? true : undefined), 90_000, '250 rows exported');
    await produceSamples(topic, 250, 380);
    await eventually(async () => (state()?.rows === 380 ? true : undefined), 90_000, '380 rows exported');
    a.child.kill('SIGTERM');
    expect(await a.exited, a.stderr()).toBe(0);
    expect(state()!.shards).toBeGreaterThanOrEqual(4); // 100-row shards, plus age-based ones for the tails
    // Lag visible: the export committed its progress to its consumer group.
    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(380);

    // Records that arrive while it is stopped are exported by the next run, from where the folder says.
    await produceSamples(topic, 380, 420);
    const b = follow();
    await eventually(async () => (state()?.rows === 420 ? true : undefined), 90_000, '420 rows exported');
    b.child.kill('SIGTERM');
    expect(await b.exited, b.stderr()).toBe(0);

    const got = await python<{ rows: number; unique: number; cardRows: number }>(READ_HF, out, 'sample-400');
    expect(got).toMatchObject({ rows: 420, unique: 420, cardRows: 420 });
  });
});
