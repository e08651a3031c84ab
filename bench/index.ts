import type { Benchmark } from './types.js';
import { runtimeConcurrency } from './runtime-concurrency.js';
import { llmThroughput } from './llm-throughput.js';
import { llmLimiterCompare } from './llm-limiter-compare.js';
import { dedupBench } from './dedup.js';
import { dedupStreamBench } from './dedup-stream.js';
import { dedupRestoreBench } from './dedup-restore.js';
import { dataflowBench } from './dataflow.js';
import { stageThroughput } from './stage-throughput.js';

/**
 * Every benchmark `personahub bench` knows, in run order. To add one: export a `Benchmark` from bench/<name>.ts
 * (its `run()` returns figures; the harness records them in bench/results/latest.json and regenerates the table
 * in README.md) and list it here.
 */
export const BENCHMARKS: Benchmark[] = [runtimeConcurrency, stageThroughput, llmThroughput, llmLimiterCompare, dataflowBench, dedupBench, dedupStreamBench, dedupRestoreBench];

export type { Benchmark, BenchResult } from './types.js';
