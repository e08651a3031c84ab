/** One figure a benchmark measured; `bench/results/latest.json` holds the newest entry per name. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** What the figure depends on: machine, sizes, settings (shown in the README table). */
  conditions: string;
  /** ISO time of the measurement. */
  at: string;
}

export interface Benchmark {
  /** Name used on the command line (`personahub bench <name>`); result names usually start with it. */
  name: string;
  description: string;
  run(): Promise<BenchResult[]>;
}
