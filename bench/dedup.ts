/**
 * Persona dedup benchmark: items/s (fingerprint + lookup + insert) and bytes per stored persona for personahub's
 * MinHash-LSH (16 x 8, exact verification) at the given sizes, side by side with datasketch's MinHashLSH
 * (Python, bench/dedup_datasketch.py) on the same file in the same run.
 *
 * Run: node --expose-gc --import tsx bench/dedup.ts [sizes=1000000,3000000] [--python <venv python>] [--python-max N]
 * Data: seeded synthetic personas ("a <12 words>") from a 20k-word Zipf vocabulary, 20% of them realistic edits
 * (added / dropped / swapped word) of an earlier one; written to /tmp so Python reads the identical bytes.
 * Memory: heapUsed + arrayBuffers after a forced GC, before vs after, divided by stored (kept) items.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Benchmark, BenchResult } from './types.js';
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MinHashLsh } from '../src/dedup/minhash-lsh.js';
import { mulberry32 } from '../src/dedup/hash32.js';
import { generateDocumentSet } from '../src/dedup/eval/documents.js';
import { simhash64 } from '../src/dedup/simhash.js';
import { SimHashIndex } from '../src/dedup/simhash-index.js';

function vocabulary(n: number, rnd: () => number): string[] {
  const syl = ['ka', 'lo', 'mi', 'ten', 'ar', 'vus', 'pre', 'shi', 'on', 'del', 'ru', 'gan', 'ex', 'tor', 'bi', 'que', 'lan', 'so', 'fe', 'nim', 'da', 'po'];
  const out = new Set<string>();
  while (out.size < n) {
    let w = '';
    const len = 2 + Math.floor(rnd() * 3);
    for (let i = 0; i < len; i++) w += syl[Math.floor(rnd() * syl.length)];
    out.add(w);
  }
  return [...out];
}

export function generatePersonaLines(n: number, seed = 1): string[] {
  const rnd = mulberry32(seed);
  const vocab = vocabulary(20_000, rnd);
  const zipf = () => vocab[Math.min(vocab.length - 1, Math.floor(Math.pow(rnd(), 2.2) * vocab.length))]!;
  const lines: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (i > 10 && rnd() < 0.2) {
      const ws = lines[Math.floor(rnd() * i)]!.split(' ');
      const r = rnd();
      if (r < 0.4) ws.splice(1 + Math.floor(rnd() * (ws.length - 1)), 0, zipf());
      else if (r < 0.7) ws.splice(1 + Math.floor(rnd() * (ws.length - 1)), 1);
      else {
        const j = 1 + Math.floor(rnd() * (ws.length - 2));
        [ws[j], ws[j + 1]] = [ws[j + 1]!, ws[j]!];
      }
      lines[i] = ws.join(' ');
    } else lines[i] = ['a', ...Array.from({ length: 12 }, zipf)].join(' ');
  }
  return lines;
}

/** A GC hook even without --expose-gc (the harness runs without it): V8 flag set at run time, gc from a new context. */
function gcHook(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}
const gc = gcHook();
function memory(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export interface DedupBenchRow {
  impl: string;
  items: number;
  kept: number;
  seconds: number;
  items_per_s: number;
  bytes_per_stored: number;
}

export function benchPersonahub(lines: string[]): DedupBenchRow {
  const before = memory();
  const lsh = new MinHashLsh();
  let kept = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i++) if (lsh.offer(lsh.hash(lines[i]!)) === undefined) kept++;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = memory();
  const row = {
    impl: 'personahub MinHashLsh (16x8, exact verification)',
    items: lines.length,
    kept,
    seconds: Math.round(seconds * 100) / 100,
    items_per_s: Math.round(lines.length / seconds),
    bytes_per_stored: Math.round((after - before) / kept),
  };
  if (lsh.size !== kept) throw new Error('index size does not match kept count');
  return row;
}

/** Page filter: SimHash fingerprint (2-word shingles, 64-bit feature hash) + table lookup + insert, per page. */
export function benchSimhash(articles = 2000): { pages: number; pages_per_s: number; mb_per_s: number; fingerprint_share: number } {
  const pages = generateDocumentSet({ articles, seed: 3 }).map((d) => d.text);
  const bytes = pages.reduce((s, p) => s + p.length, 0);
  const idx = new SimHashIndex(3);
  const t0 = performance.now();
  const fps = pages.map((p) => simhash64(p, 2));
  const t1 = performance.now();
  fps.forEach((f, i) => idx.offer(f, String(i)));
  const t2 = performance.now();
  const sec = (t2 - t0) / 1000;
  return { pages: pages.length, pages_per_s: Math.round(pages.length / sec), mb_per_s: Math.round((bytes / 1e6 / sec) * 10) / 10, fingerprint_share: Math.round(((t1 - t0) / (t2 - t0)) * 100) / 100 };
}

function runDatasketch(python: string, lines: string[]): DedupBenchRow {
  const file = `/tmp/personahub-dedup-bench-${lines.length}.txt`;
  writeFileSync(file, lines.join('\n') + '\n');
  const script = fileURLToPath(new URL('./dedup_datasketch.py', import.meta.url));
  const r = spawnSync(python, [script, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`datasketch run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as DedupBenchRow;
}

/**
 * For `personahub bench dedup`: personahub at 1M personas, datasketch side by side at 100k when
 * PERSONAHUB_DATASKETCH_PYTHON names a Python with datasketch installed (1M takes datasketch ~13 min here; the
 * full 1M / 3M / 10M comparison is this file's CLI, numbers in docs/dedup.md), and the SimHash page rate.
 */
export const dedupBench: Benchmark = {
  name: 'dedup',
  description: 'Near-duplicate filters: MinHash-LSH items/s and bytes per stored persona (vs datasketch), SimHash pages/s',
  async run() {
    const at = new Date().toISOString();
    const machine = `${cpus().length} cores, load avg ${loadavg()[0]!.toFixed(1)}, Node ${process.version}`;
    const out: BenchResult[] = [];
    const lines = generatePersonaLines(1_000_000);
    const ph = benchPersonahub(lines);
    const cond = `1M synthetic 13-word personas (20% edits), 128 perms, 16x8, exact verification, one thread, ${machine}`;
    out.push({ name: 'dedup.minhash.items_per_s', value: ph.items_per_s, unit: 'items/s', conditions: cond, at });
    out.push({ name: 'dedup.minhash.bytes_per_stored', value: ph.bytes_per_stored, unit: 'bytes', conditions: cond, at });
    const python = process.env.PERSONAHUB_DATASKETCH_PYTHON;
    if (python) {
      const small = lines.slice(0, 100_000);
      const mine = benchPersonahub(small);
      const ds = runDatasketch(python, small);
      const c = `first 100k of the same data, same run, datasketch MinHashLSH(params=(16,8)) without verification, ${machine}`;
      out.push({ name: 'dedup.minhash.speedup_vs_datasketch', value: Math.round((mine.items_per_s / ds.items_per_s) * 10) / 10, unit: 'x', conditions: c, at });
      out.push({ name: 'dedup.datasketch.items_per_s', value: ds.items_per_s, unit: 'items/s', conditions: c, at });
      out.push({ name: 'dedup.datasketch.bytes_per_stored', value: ds.bytes_per_stored, unit: 'bytes', conditions: c, at });
    }
    const sh = benchSimhash();
    out.push({ name: 'dedup.simhash.pages_per_s', value: sh.pages_per_s, unit: 'pages/s', conditions: `${sh.pages} synthetic pages (~550 words), k=3, 4 tables, one thread, ${machine}`, at });
    return out;
  },
};

async function main() {
  const args = process.argv.slice(2);
  const sizes = (args.find((a) => /^\d/.test(a)) ?? '1000000').split(',').map(Number);
  const pyIdx = args.indexOf('--python');
  const python = pyIdx >= 0 ? args[pyIdx + 1]! : undefined;
  const pyMaxIdx = args.indexOf('--python-max');
  const pyMax = pyMaxIdx >= 0 ? Number(args[pyMaxIdx + 1]) : 1_000_000;
  if (!gc) process.stderr.write('warning: run with node --expose-gc for memory numbers\n');
  const rows: DedupBenchRow[] = [];
  if (args.includes('--pages')) {
    process.stdout.write(JSON.stringify({ simhash: benchSimhash() }) + '\n');
    return;
  }
  for (const n of sizes) {
    const lines = generatePersonaLines(n);
    const row = benchPersonahub(lines);
    rows.push(row);
    process.stdout.write(JSON.stringify(row) + '\n');
    if (python && n <= pyMax) {
      const py = runDatasketch(python, lines);
      rows.push(py);
      process.stdout.write(JSON.stringify(py) + '\n');
    }
  }
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  writeFileSync(fileURLToPath(new URL('./results/dedup.json', import.meta.url)), JSON.stringify({ at: new Date().toISOString(), rows }, null, 2) + '\n');
  process.stdout.write('\n| implementation | items | kept | seconds | items/s | bytes per stored persona |\n|---|---:|---:|---:|---:|---:|\n');
  for (const r of rows) process.stdout.write(`| ${r.impl} | ${r.items} | ${r.kept} | ${r.seconds} | ${r.items_per_s} | ${r.bytes_per_stored} |\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
