import { InvalidArgumentError, type Command } from 'commander';

/**
 * `personahub bench [names...]`: run benchmarks (all by default), merge their figures into
 * bench/results/latest.json (same-name entries replaced) and regenerate the table in README.md.
 * Benchmarks live in bench/ and are listed in bench/index.ts.
 */
export function register(program: Command): void {
  program
    .command('bench')
    .description('Run benchmarks, record figures in bench/results/latest.json, regenerate the README table')
    .argument('[names...]', 'benchmarks to run (default: all)')
    .option('--list', 'list benchmarks and exit')
    .option('--table-only', 'only regenerate the table from bench/results/latest.json')
    .action(async (names: string[], opts: { list?: boolean; tableOnly?: boolean }) => {
      // bench/ is outside src/: imported lazily so the CLI does not load it for other commands
      const { BENCHMARKS } = await import('../../../bench/index.js');
      const { recordResults, readResults, writeTable, RESULTS_FILE, TABLE_FILE } = await import('../../../bench/results.js');
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
