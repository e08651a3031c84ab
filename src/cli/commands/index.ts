import type { Command } from 'commander';
import { register as sim } from './sim.js';
import { register as llmCheck } from './llm-check.js';
import { register as dedup } from './dedup.js';
import { register as dedupEval } from './dedup-eval.js';
import { register as topics } from './topics.js';
import { register as schemas } from './schemas.js';
import { register as up } from './up.js';
import { register as run } from './run.js';
import { register as ingest } from './ingest.js';
import { register as tail } from './tail.js';
import { register as dlq } from './dlq.js';
import { register as exportTopic } from './export.js';
import { register as bench } from './bench.js';
import { register as budget } from './budget.js';

/**
 * Every subcommand module, in help order. Each module exports `register(program: Command): void`.
 * Add a new command by adding its module here.
 */
export const COMMANDS: Array<(program: Command) => void> = [up, sim, llmCheck, topics, schemas, run, ingest, tail, dlq, exportTopic, budget, dedup, dedupEval, bench];
