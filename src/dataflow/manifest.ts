import { Registry } from 'prom-client';
import { Config } from '../config/schema.js';
import { dlqTopic } from '../contracts/dlq.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics/catalogue.js';
import { getStageFactory, stageFactoryNames } from '../runtime/registry.js';
import { groupIdFor } from '../runtime/names.js';
import type { Stage } from '../runtime/stage.js';
import { DATAFLOW_STAGE_NAMES, registerDataflowStages } from '../stages/index.js';

/**
 * The one declaration of the dataflow, derived from the stages themselves: every deploy unit (`personahub run
 * <unit>`), the stages it runs, what each consumes and produces, its consumer group, dead-letter topic and state
 * store changelog. topics/ (dead-letter topics), the deployment generators (compose, Kubernetes, KEDA) and the
 * tests read it, so a new stage or a changed input appears everywhere by being declared once, in the stage.
 *
 * Built by instantiating each registered stage factory with the default configuration (no connection is opened:
 * factories only build objects). Deterministic: units in flow order (see inFlowOrder), stages as each unit builds them.
 */
export interface StageDeclaration {
  stage: string;
  input: string;
  outputs: string[];
  groupId: string;
  deadLetterTopic: string;
  changelogTopic?: string;
}

export interface DeployUnit {
  /** As `personahub run <name>` takes it. */
  name: string;
  stages: StageDeclaration[];
  /** Calls the LLM (needs the API key; scales on lag with a lower threshold). */
  usesLlm: boolean;
}

function declare(stage: Stage<unknown>): StageDeclaration {
  return {
    stage: stage.name,
    input: stage.input.topic,
    outputs: Object.keys(stage.outputs),
    groupId: groupIdFor(stage.name),
    deadLetterTopic: dlqTopic(stage.input.topic, stage.name),
    ...(stage.store ? { changelogTopic: stage.store.changelogTopic } : {}),
  };
}

let cached: DeployUnit[] | undefined;

export function dataflowManifest(): DeployUnit[] {
  if (cached) return cached;
  registerDataflowStages();
  const config = Config.parse({});
  const ctx = { config, logger: createLogger('manifest', 'silent'), metrics: createMetrics(new Registry()) };
  const llmUnits = new Set<string>(DATAFLOW_STAGE_NAMES);
  const units = stageFactoryNames().map((name) => {
    const built = getStageFactory(name)(ctx);
    if (built instanceof Promise) throw new Error(`stage factory ${name} is async; the manifest needs it synchronous`);
    const stages = (Array.isArray(built) ? built : [built]).map((s) => declare(s as Stage<unknown>));
    return { name, stages, usesLlm: llmUnits.has(name) };
  });
  cached = inFlowOrder(units);
  return cached;
}

/**
 * Units in the order data reaches them (distance from the topics nobody in the dataflow writes, e.g.
 * web.documents), then by name: how a reader follows the pipeline in generated files.
 */
function inFlowOrder(units: DeployUnit[]): DeployUnit[] {
  const written = new Set(units.flatMap((u) => u.stages.flatMap((s) => s.outputs)));
  const depth = new Map<string, number>();
  for (const u of units) for (const s of u.stages) if (!written.has(s.input)) depth.set(s.input, 0);
  const rank = new Map<string, number>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const u of units) {
      const r = Math.min(...u.stages.map((s) => depth.get(s.input) ?? Infinity));
      if (r === Infinity || rank.get(u.name) === r) continue;
      rank.set(u.name, r);
      changed = true;
      for (const s of u.stages) for (const o of s.outputs) if ((depth.get(o) ?? Infinity) > r + 1) depth.set(o, r + 1);
    }
  }
  return [...units].sort((a, b) => (rank.get(a.name) ?? Infinity) - (rank.get(b.name) ?? Infinity) || a.name.localeCompare(b.name));
}

/** Every (stage, input) pair of the dataflow: each gets a dead-letter topic `<input>.dlq.<stage>`. */
export const stageInputs = (): Array<{ stage: string; input: string }> =>
  dataflowManifest().flatMap((u) => u.stages.map(({ stage, input }) => ({ stage, input })));
