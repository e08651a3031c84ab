import { spawnSync } from 'node:child_process';
import { LLM_CACHE_TOPIC, LLM_SPEND_TOPIC, topicsFor } from '../../topics/index.js';
import type { Config } from '../config/schema.js';
import { LOCAL_DEFAULTS } from '../config/services.js';
import { fatal } from '../errors.js';
import { createKafka } from '../kafka/client.js';
import { applyTopicPlan, planStatus, planTopics, waitForTopics } from '../kafka/topic-plan.js';
import type { Logger } from '../logger.js';
import { createRegistryClient } from '../registry/client.js';
import { registerValueSubjects } from '../registry/subjects.js';
import { packagePath } from '../util/package-root.js';

/**
 * The set-up half of `personahub up`: the local stack (only when the config points at it), topics and schemas.
 * Everything here is idempotent: running `up` again changes nothing that is already right.
 */
export const STACK_SCRIPT = packagePath('deploy', 'local', 'stack.sh');

/**
 * True when Kafka is configured at the local stack's address (so `up` may start the stack): 127.0.0.1 or localhost
 * on the port stack.sh uses, PERSONAHUB_KAFKA_PORT or its default.
 */
export const usesLocalStack = (config: Config, env: NodeJS.ProcessEnv = process.env) => {
  const port = env.PERSONAHUB_KAFKA_PORT || String(LOCAL_DEFAULTS.kafkaPort);
  return config.kafka.brokers.length === 1 && [`127.0.0.1:${port}`, `localhost:${port}`].includes(config.kafka.brokers[0]!);
};

/**
 * Start the local stack if `stack.sh status` says it is not (fully) up. Output goes to stderr. Prometheus is
 * optional: without it stack.sh starts Kafka and the registry and prints how to add it; when the stack is already
 * up, the same hint is passed on from `status` — either way it is said once.
 */
export function ensureLocalStack(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): void {
  const status = spawnSync('bash', [STACK_SCRIPT, 'status'], { encoding: 'utf8', env });
  if (status.status === 0) {
    log('local stack: already running');
    const absent = status.stdout.split('\n').find((l) => /^prometheus\s+absent/.test(l));
    if (absent) log(`local stack: ${absent.replace(/\s+/g, ' ').trim()}`);
    return;
  }
  log('local stack: starting (Kafka, schema registry, and Prometheus when installed; the first run downloads them) ...');
  const up = spawnSync('bash', [STACK_SCRIPT, 'up'], { stdio: ['ignore', process.stderr, process.stderr], env });
  if (up.status !== 0) throw fatal('config_invalid', `bash ${STACK_SCRIPT} up failed (exit ${up.status}); see its output above`);
}

/** `topics apply` + `schemas register` for the given prefix; returns how many topics were created or changed. */
export async function applyTopicsAndSchemas(config: Config, prefix: string, logger: Logger): Promise<{ changed: number; subjects: number }> {
  const topics = topicsFor({ ...(prefix ? { prefix } : {}), sharedNames: sharedTopicNames(config) });
  const admin = createKafka(config.kafka, { logger, clientId: `${config.kafka.clientId}-up` }).admin();
  await admin.connect();
  let changed = 0;
  try {
    const plan = await planTopics(admin, topics);
    changed = plan.filter((e) => planStatus(e) !== 'ok').length;
    if (changed > 0) {
      await applyTopicPlan(admin, plan);
      await waitForTopics(admin, topics);
    }
  } finally {
    await admin.disconnect();
  }
  const subjects = await registerValueSubjects(createRegistryClient(config.registry), topics);
  return { changed, subjects: subjects.length };
}

/** Physical names of the shared topics (topics/ `shared`), from config: they never take a run prefix. */
export const sharedTopicNames = (config: Config): Record<string, string> => ({
  [LLM_CACHE_TOPIC]: config.llm.cache.topic,
  [LLM_SPEND_TOPIC]: config.llm.budgets.topic,
});
