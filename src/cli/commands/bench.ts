import { InvalidArgumentError, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fatal } from '../../errors.js';
import { PACKAGE_ROOT } from '../../util/package-root.js';

/**
 * `personahub bench [names...]`: run benchmarks (all by default), merge their figures into
 * bench/results/latest.json (same-name entries replaced) and regenerate the table in README.md.
 * Benchmarks live in bench/ and are listed in bench/index.ts.
 */
/** The parts of bench/index.ts and bench/results.ts this command uses. */
interface BenchIndex {
  BENCHMARKS: Array<{ name: string; description: string; run(): Promise<Array<{ name: string; value: number; unit: string }>> }>;
}
interface BenchResults {
  recordResults(results: unknown[]): void;
  readResults(): unknown;
  writeTable(results: unknown): void;
  RESULTS_FILE: string;
  TABLE_FILE: string;
}

/**
 * bench/ is development tooling outside src/: imported lazily (other commands never load it) and by a computed
 * specifier, so the build (tsconfig.build.json) does not pull it into dist/. It runs from a source checkout.
 */
async function importBench<T>(file: string): Promise<T> {
  const url = new URL(`bench/${file}`, pathToFileURL(`${PACKAGE_ROOT}/`));
  // Built (dist/*.js, plain node): bench/ is TypeScript that only tsx runs, and an installed package lacks it.
  if (!import.meta.url.endsWith('.ts') || !existsSync(fileURLToPath(url).replace(/\.js$/, '.ts'))) {
    throw fatal('config_invalid', 'benchmarks run from a source checkout through tsx: npm run bench');
  }
  return (await import(url.href)) as T;
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('Run benchmarks, record figures in bench/results/latest.json, regenerate the README table')
    .argument('[names...]', 'benchmarks to run (default: all)')
    .option('--list', 'list benchmarks and exit')
    .option('--table-only', 'only regenerate the table from bench/results/latest.json')
    .action(async (names: string[], opts: { list?: boolean; tableOnly?: boolean }) => {
      const { BENCHMARKS } = await importBench<BenchIndex>('index.js');
      const { recordResults, readResults, writeTable, RESULTS_FILE, TABLE_FILE } = await importBench<BenchResults>('results.js');
      if (opts.list) {
        for (const b of BENCHMARKS) process.stdout.write(`${b.name}\t${b.description}\n`);
        return;
      }
      if (!opts.tableOnly) {
        const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
        if (unknown.length > 0) throw new InvalidArgumentError(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
        const selected = names.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => names.includes(b.name));
        for (const b of selected) {
          process.stderr.write(`bench ${b.name}: ${b.description}\n`);
          const results = await b.run();
          recordResults(results);
          for (const r of results) process.stdout.write(`${r.name}\t${r.value}\t${r.unit}\n`);
        }
      }
      writeTable(readResults());
      process.stderr.write(`results: ${RESULTS_FILE}\ntable: ${TABLE_FILE}\n`);
    });
}
