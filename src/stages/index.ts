import type { Config } from '../config/schema.js';
import { SCENARIOS } from '../contracts/scenarios.js';
import { createLlmClient } from '../llm/index.js';
import type { LlmClient } from '../llm/types.js';
import { KafkaResponseCache, cacheInUse } from '../llm/cache/index.js';
import { SharedBudgets } from '../llm/budget/budgets.js';
import { budgetsInUse } from '../llm/budget/config.js';
import { KafkaSpendLedger } from '../llm/budget/kafka-ledger.js';
import { createKafka } from '../kafka/client.js';
import type { Stage, StageDeps } from '../runtime/stage.js';
import { registerStageFactory, stageFactoryNames } from '../runtime/registry.js';
import type { StageFactoryContext } from '../runtime/types.js';
import { EXTRACT_STAGE, createExtractStage, extractStageConfig } from './extract/process.js';
import { EXPAND_STAGE, createExpandStage } from './expand/process.js';
import { createSynthesizeStage, synthStageName } from './synthesize/process.js';
import { VERIFY_MATH_STAGE, createVerifyMathStage } from './verify-math/process.js';
import { PersonaDiversity, ScenarioDiversity } from './diversity/observe.js';
import '../dedup/stream/register.js';

/**
 * The dataflow stages as named factories for `personahub run <name>` (src/runtime/registry.ts):
 * `extract`, `expand`, `synthesize-<scenario>` for each scenario. Importing this module registers them once.
 *
 * One LLM client per process and config: its limits (in flight, requests and tokens per minute) and circuit
 * breaker are per endpoint and must be shared by every stage of the process, or N stages would each take the
 * full allowance. The same holds for the response cache (one in-memory copy of the cache topic per process).
 * Every stage built on the client holds a reference; the last stage to close closes the client and its cache.
 */
interface SharedLlm {
  client: LlmClient;
  users: number;
}
const clients = new WeakMap<Config, SharedLlm>();

function sharedLlm(ctx: StageFactoryContext): SharedLlm {
  let c = clients.get(ctx.config);
  if (!c) {
    const llm = ctx.config.llm;
    const cache = cacheInUse(llm.cache)
      ? new KafkaResponseCache({
          client: createKafka(ctx.config.kafka, { logger: ctx.logger, clientId: `${ctx.config.kafka.clientId}-llm-cache` }),
          topic: llm.cache.topic,
          maxEntries: llm.cache.maxEntries,
          maxBytes: llm.cache.maxBytes,
          loadTimeoutMs: llm.cache.loadTimeoutMs,
          metrics: ctx.metrics,
          logger: ctx.logger,
        })
      : undefined;
    const budgets = budgetsInUse(llm.budgets)
      ? new SharedBudgets(llm.budgets, {
          metrics: ctx.metrics,
          logger: ctx.logger,
          ledger: (book) =>
            new KafkaSpendLedger({
              client: createKafka(ctx.config.kafka, { logger: ctx.logger, clientId: `${ctx.config.kafka.clientId}-llm-spend` }),
              topic: llm.budgets.topic,
              book,
              flushMs: llm.budgets.flushMs,
              logger: ctx.logger,
            }),
        })
      : undefined;
    c = {
      client: createLlmClient(llm, { metrics: ctx.metrics, logger: ctx.logger, ...(cache ? { cache } : {}), ...(budgets ? { budgets } : {}) }),
      users: 0,
    };
    clients.set(ctx.config, c);
  }
  return c;
}

export function processLlm(ctx: StageFactoryContext): LlmClient {
  return sharedLlm(ctx).client;
}

/** A stage that releases its reference to the process's LLM client when it closes. */
function holdingLlm<S extends Stage<any>>(ctx: StageFactoryContext, build: (deps: StageDeps) => S): S {
  const shared = sharedLlm(ctx);
  shared.users++;
  const stage = build({ llm: shared.client, logger: ctx.logger });
  const own = stage.close?.bind(stage);
  let released = false;
  return Object.assign(stage, {
    close: async () => {
      await own?.();
      if (released) return;
      released = true;
      if (--shared.users === 0) {
        clients.delete(ctx.config);
        await shared.client.close?.();
      }
    },
  });
}

export const DATAFLOW_STAGE_NAMES = [EXTRACT_STAGE, EXPAND_STAGE, ...SCENARIOS.map(synthStageName), VERIFY_MATH_STAGE] as const;

let registered = false;
export function registerDataflowStages(): void {
  if (registered) return;
  registered = true;
  // Each stage receives its own config section only (the factories are where sections are selected).
  registerStageFactory(EXTRACT_STAGE, (ctx) => holdingLlm(ctx, (deps) => createExtractStage(extractStageConfig(ctx.config), deps)));
  const diversity = (ctx: StageFactoryContext) => ctx.config.stages.diversity;
  registerStageFactory(EXPAND_STAGE, (ctx) =>
    holdingLlm(ctx, (deps) => createExpandStage(ctx.config.stages.expand, { ...deps, diversity: new PersonaDiversity(diversity(ctx), ctx.metrics) })),
  );
  for (const s of SCENARIOS) {
    registerStageFactory(synthStageName(s), (ctx) =>
      holdingLlm(ctx, (deps) =>
        createSynthesizeStage(s, ctx.config.stages.synthesize.scenarios[s], {
          ...deps,
          diversity: new ScenarioDiversity(s, diversity(ctx), ctx.metrics, deps.llm, ctx.logger),
        }),
      ),
    );
  }
  registerStageFactory(VERIFY_MATH_STAGE, (ctx) => holdingLlm(ctx, (deps) => createVerifyMathStage(ctx.config.stages.verifyMath, { ...deps, metrics: ctx.metrics })));
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
