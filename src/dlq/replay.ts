import type { Logger } from 'pino';
import type { KafkaClient } from '../kafka/client.js';
import { DlqUsageError } from './errors.js';
import { executeReplay } from './execute.js';
import { kafkaReplayPorts } from './kafka-ports.js';
import { formatPlan, planReplay, type ReplayPlan } from './plan.js';
import { checkReplayId, replayGroupId, replayIdFor, type Selection } from './selection.js';
import { breakdown, type Tally } from './tally.js';
import type { ReplayTarget } from './target.js';

export interface ReplayRequest {
  client: KafkaClient;
  logger: Logger;
  target: ReplayTarget;
  selection: Selection;
  /** --replay-id; default derived from the selection (replayIdFor). */
  replayId?: string;
  dryRun: boolean;
  batchSize: number;
  transactionTimeoutMs: number;
  /** The plan and the result (stdout). */
  out(text: string): void;
  /** Progress after each committed transaction (stderr). */
  progress?(committed: Tally, plan: ReplayPlan): void;
}

export interface ReplayOutcome {
  plan: ReplayPlan;
  /** What this run committed; absent for a dry run. */
  committed?: Tally;
}

/**
 * `personahub dlq replay`: plan, print the plan, then (unless a dry run) replay. The producer is connected before
 * the plan is read: connecting it aborts a transaction a killed run of the same replay id left open, so the plan
 * starts from settled progress instead of waiting for the coordinator's timeout. A dry run connects no producer
 * and so never disturbs a replay that is running.
 */
export async function replayDeadLetters(r: ReplayRequest): Promise<ReplayOutcome> {
  const derivedId = r.replayId === undefined;
  const replayId = derivedId ? replayIdFor(r.selection) : checkReplayId(r.replayId!);
  const groupId = replayGroupId(r.target.dlqTopic, replayId);
  await requireTopics(r.client, r.dryRun ? [r.target.dlqTopic] : [r.target.dlqTopic, r.target.inputTopic]);
  const ports = kafkaReplayPorts({ client: r.client, logger: r.logger, dlqTopic: r.target.dlqTopic, groupId, transactionTimeoutMs: r.transactionTimeoutMs });
  const producer = r.dryRun ? undefined : await ports.newProducer();
  try {
    const plan = await planReplay(ports, { target: r.target, selection: r.selection, replayId, derivedId, groupId });
    r.out(formatPlan(plan, r.dryRun));
    if (r.dryRun) return { plan };
    const committed = await executeReplay(ports, plan, {
      batchSize: r.batchSize,
      logger: r.logger,
      ...(producer ? { producer } : {}),
      ...(r.progress ? { onCommit: (t: Tally) => r.progress!(t, plan) } : {}),
    });
    r.out(formatResult(plan, committed));
    return { plan, committed };
  } catch (e) {
    await producer?.disconnect().catch(() => undefined);
    throw e;
  }
}

export function formatResult(plan: ReplayPlan, t: Tally): string {
  return (
    `replayed    ${t.replayed} into ${plan.target.inputTopic} (replay id ${plan.replayId})  ${breakdown(t.replay)}\n` +
    `skipped     ${t.skippedTotal}  ${breakdown(t.skippedInOrder())}\n`
  );
}

async function requireTopics(client: KafkaClient, topics: string[]): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) throw new DlqUsageError(`topic ${missing.join(', ')} does not exist on ${client.brokers} (check the name and --prefix; \`personahub dlq list\` shows the dead-letter topics)`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
