import type { Config } from '../config/schema.js';
import { createKafka } from '../kafka/client.js';
import type { Logger } from '../logger.js';
import { createMetrics, processRegistry, type Metrics } from '../metrics/catalogue.js';
import { createRegistryClient } from '../registry/client.js';
import { createRegistryCodec } from '../registry/codec.js';
import { registerValueSubjects } from '../registry/subjects.js';
import { topicsFor } from '../../topics/index.js';
import { getStageFactory, runStages, type ProcessHandle, type Stage } from '../runtime/index.js';
import { resolveStageNames } from '../stages/index.js';

/**
 * The registry codec of a stage process. A registry that comes back empty (in-memory storage restarted) is
 * re-populated with the project's subjects, in the same order as `schemas register`, so the stage goes on.
 */
function stageCodec(config: Config, logger: Logger, prefix: string) {
  const client = createRegistryClient(config.registry);
  return createRegistryCodec(client, {
    repopulate: async () => {
      logger.warn('schema registry lost its subjects (restarted empty?): registering them again');
      await registerValueSubjects(client, topicsFor(prefix ? { prefix } : {}));
    },
  });
}

export interface StartedStages {
  proc: ProcessHandle;
  metrics: Metrics;
  names: string[];
  /** Logical input topic of each stage, by stage name (for drain detection). */
  inputs: Record<string, string>;
}

/**
 * Build the named stages from their factories and run them in this process (`run` and `up`): one metrics
 * registry, one registry codec, one Kafka client factory, one HTTP server, one LLM client per endpoint.
 */
export async function startStages(
  names: string[],
  config: Config,
  logger: Logger,
  options: { topicPrefix?: string; http?: boolean; signals?: boolean } = {},
): Promise<StartedStages> {
  const metrics = createMetrics(processRegistry());
  const resolved = resolveStageNames(names, config);
  const ctx = { config, logger, metrics };
  const stages: Stage<unknown>[] = [];
  for (const name of resolved) {
    const built = await getStageFactory(name)(ctx);
    stages.push(...(Array.isArray(built) ? built : [built]));
  }
  const proc = await runStages(
    stages,
    {
      config,
      metrics,
      logger,
      codec: stageCodec(config, logger, options.topicPrefix ?? ''),
      kafka: createKafka(config.kafka, { logger }),
      ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
    },
    { http: options.http ?? true, signals: options.signals ?? true },
  );
  return {
    proc,
    metrics,
    names: stages.map((s) => s.name),
    inputs: Object.fromEntries(stages.map((s) => [s.name, s.input.topic])),
  };
}
