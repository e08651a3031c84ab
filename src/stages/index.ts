import type { Config } from '../config/schema.js';
import { SCENARIOS } from '../contracts/scenarios.js';
import { createLlmClient } from '../llm/index.js';
import type { LlmClient } from '../llm/types.js';
import { registerStageFactory, stageFactoryNames } from '../runtime/registry.js';
import type { StageFactoryContext } from '../runtime/types.js';
import { EXTRACT_STAGE, createExtractStage, extractStageConfig } from './extract/process.js';
import { EXPAND_STAGE, createExpandStage } from './expand/process.js';
import { createSynthesizeStage, synthStageName } from './synthesize/process.js';
import '../dedup/stream/register.js';

/**
 * The dataflow stages as named factories for `personahub run <name>` (src/runtime/registry.ts):
 * `extract`, `expand`, `synthesize-<scenario>` for each scenario. Importing this module registers them once.
 *
 * One LLM client per process and config: its limits (in flight, requests and tokens per minute) and circuit
 * breaker are per endpoint and must be shared by every stage of the process, or N stages would each take the
 * full allowance.
 */
const clients = new WeakMap<Config, LlmClient>();
export function processLlm(ctx: StageFactoryContext): LlmClient {
  let c = clients.get(ctx.config);
  if (!c) {
    c = createLlmClient(ctx.config.llm, { metrics: ctx.metrics, logger: ctx.logger });
    clients.set(ctx.config, c);
  }
  return c;
}

export const DATAFLOW_STAGE_NAMES = [EXTRACT_STAGE, EXPAND_STAGE, ...SCENARIOS.map(synthStageName)] as const;

let registered = false;
export function registerDataflowStages(): void {
  if (registered) return;
  registered = true;
  const deps = (ctx: StageFactoryContext) => ({ llm: processLlm(ctx), logger: ctx.logger });
  // Each stage receives its own config section only (the factories are where sections are selected).
  registerStageFactory(EXTRACT_STAGE, (ctx) => createExtractStage(extractStageConfig(ctx.config), deps(ctx)));
  registerStageFactory(EXPAND_STAGE, (ctx) => createExpandStage(ctx.config.stages.expand, deps(ctx)));
  for (const s of SCENARIOS) {
    registerStageFactory(synthStageName(s), (ctx) => createSynthesizeStage(s, ctx.config.stages.synthesize.scenarios[s], deps(ctx)));
  }
}
registerDataflowStages();

/**
 * Expand names given to `run`: `all` = every registered stage (the dataflow's and the dedup filters', whatever
 * modules registered), `synthesize` = every enabled scenario; other names pass through (unknown ones fail later
 * with the list of known names).
 */
export function resolveStageNames(names: string[], config: Config): string[] {
  const enabledSynth = SCENARIOS.filter((s) => config.stages.synthesize.scenarios[s].enabled).map(synthStageName);
  const disabled = new Set(SCENARIOS.map(synthStageName).filter((n) => !enabledSynth.includes(n)));
  const out: string[] = [];
  for (const n of names) {
    if (n === 'all') out.push(...stageFactoryNames().filter((s) => !disabled.has(s)));
    else if (n === 'synthesize') out.push(...enabledSynth);
    else out.push(n);
  }
  return [...new Set(out)];
}
