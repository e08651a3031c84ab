import { createLlmClient } from '../../llm/index.js';
import { registerStageFactory, stageFactoryNames } from '../../runtime/registry.js';
import type { StageFactoryContext } from '../../runtime/types.js';
import { createBandsStage, createEntryStage, type NearDupStreamSpec } from './stages.js';
import { documentStreamSpec, PAGE_FILTER_STAGE, PERSONA_DEDUP_STAGE, personaStreamSpec } from './specs.js';

/**
 * Named factories for `personahub run dedup` and `personahub run pagefilter`: each builds the entry stage and its
 * `-bands` stage (run both; scale by running more processes and raising dedup.stream.partitions). Importing this
 * module registers them once. documents.method `none` means: do not run `pagefilter`. With personas.method
 * `semantic` the entry stage gets its own LLM client for embeddings (closed with the stage).
 */
function build<I>(spec: NearDupStreamSpec<I>, ctx: StageFactoryContext) {
  const llm = spec.semantic ? createLlmClient(ctx.config.llm, { metrics: ctx.metrics, logger: ctx.logger }) : undefined;
  const deps = { metrics: ctx.metrics, logger: ctx.logger, ...(llm ? { llm } : {}) };
  const entry = createEntryStage(spec, deps);
  return [{ ...entry, close: async () => void (await llm?.close?.()) }, createBandsStage(spec, deps)];
}

if (!stageFactoryNames().includes(PERSONA_DEDUP_STAGE)) {
  registerStageFactory(PERSONA_DEDUP_STAGE, (ctx) => build(personaStreamSpec(ctx.config.dedup), ctx));
  registerStageFactory(PAGE_FILTER_STAGE, (ctx) => build(documentStreamSpec(ctx.config.dedup), ctx));
}
