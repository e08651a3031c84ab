import type { Admin } from './client.js';
import type { ResolvedTopic } from '../../topics/types.js';
import { createTopicsAndWait } from './admin.js';

/**
 * Converging a cluster to the topics of topics/ — additive only:
 *  - missing topic            -> create (partitions, replication factor, managed configs)
 *  - fewer partitions         -> raise (Kafka cannot lower them; more partitions than declared is only a warning)
 *  - managed config differs   -> align (only the keys topics/ declares are compared)
 *  - replication differs      -> warning (changing it is a reassignment, out of scope)
 * Nothing is ever deleted. Planning reads the cluster and changes nothing, so `--dry-run` is just "plan".
 */
export interface ConfigChange {
  key: string;
  from: string | null;
  to: string;
}

export interface TopicPlanEntry {
  topic: ResolvedTopic;
  create: boolean;
  raisePartitions?: { from: number; to: number };
  configChanges: ConfigChange[];
  warnings: string[];
}

export const planStatus = (e: TopicPlanEntry): 'create' | 'update' | 'ok' =>
  e.create ? 'create' : e.raisePartitions || e.configChanges.length > 0 ? 'update' : 'ok';

export async function planTopics(admin: Admin, topics: readonly ResolvedTopic[]): Promise<TopicPlanEntry[]> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t.name)).map((t) => t.name);

  const partitionsOf = new Map<string, { partitions: number; replicas: number }>();
  const configsOf = new Map<string, Map<string, string>>();
  if (present.length > 0) {
    const meta = await admin.fetchTopicMetadata({ topics: present });
    for (const t of meta) {
      const replicas = Math.min(...t.partitions.map((p) => p.replicas.length));
      partitionsOf.set(t.name, { partitions: t.partitions.length, replicas });
    }
    for (const [name, configs] of await admin.topicConfigs.describe(present)) configsOf.set(name, configs);
  }

  return topics.map((topic): TopicPlanEntry => {
    if (!existing.has(topic.name)) return { topic, create: true, configChanges: [], warnings: [] };
    const entry: TopicPlanEntry = { topic, create: false, configChanges: [], warnings: [] };
    const actual = partitionsOf.get(topic.name);
    if (actual) {
      if (actual.partitions < topic.partitions) entry.raisePartitions = { from: actual.partitions, to: topic.partitions };
      else if (actual.partitions > topic.partitions) {
        entry.warnings.push(`has ${actual.partitions} partitions, more than the ${topic.partitions} declared (never lowered)`);
      }
      if (actual.replicas !== topic.replicationFactor) {
        entry.warnings.push(`replication factor ${actual.replicas}, declared ${topic.replicationFactor} (not changed by apply)`);
      }
    }
    const configs = configsOf.get(topic.name) ?? new Map<string, string>();
    for (const [key, to] of Object.entries(topic.configs)) {
      const from = configs.get(key) ?? null;
      if (from !== to) entry.configChanges.push({ key, from, to });
    }
    return entry;
  });
}

/**
 * Execute a plan. Config alignment uses IncrementalAlterConfigs: it sets exactly the keys that differ and leaves
 * any other dynamic config of the topic (one set by hand, say) as it is.
 */
export async function applyTopicPlan(admin: Admin, plan: readonly TopicPlanEntry[]): Promise<void> {
  const toCreate = plan.filter((e) => e.create);
  if (toCreate.length > 0) {
    // Topics created concurrently by someone else are not an error: they match, or get aligned on the next run.
    await createTopicsAndWait(
      admin,
      toCreate.map(({ topic }) => ({
        topic: topic.name,
        numPartitions: topic.partitions,
        replicationFactor: topic.replicationFactor,
        configEntries: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
      })),
    );
  }
  const toRaise = plan.filter((e) => e.raisePartitions);
  if (toRaise.length > 0) {
    await admin.topicConfigs.raisePartitions(toRaise.map((e) => ({ topic: e.topic.name, count: e.raisePartitions!.to })));
  }
  const toAlign = plan.filter((e) => !e.create && e.configChanges.length > 0);
  if (toAlign.length > 0) {
    await admin.topicConfigs.set(
      toAlign.map((e) => ({ topic: e.topic.name, configs: Object.fromEntries(e.configChanges.map((c) => [c.key, c.to])) })),
    );
  }
}

/**
 * Re-plan until the cluster reports the declared state (bounded). Topic metadata and configs reach the broker's
 * view asynchronously after create/alter requests (KRaft metadata log), so a plan made right after `apply` can
 * still show the old state; callers that promise convergence (`topics apply`, tests) wait here.
 */
export async function waitForTopics(admin: Admin, topics: readonly ResolvedTopic[], timeoutMs = 30_000): Promise<TopicPlanEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const plan = await planTopics(admin, topics);
    const pending = plan.filter((e) => planStatus(e) !== 'ok');
    if (pending.length === 0) return plan;
    if (Date.now() >= deadline) {
      throw new Error(`topics not converged after ${timeoutMs} ms: ${pending.map((e) => e.topic.name).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Human-readable plan, one line per action, then a summary line. */
export function formatTopicPlan(plan: readonly TopicPlanEntry[]): string {
  const lines: string[] = [];
  const width = Math.max(...plan.map((e) => e.topic.name.length), 10);
  for (const e of plan) {
    const name = e.topic.name.padEnd(width);
    if (e.create) {
      const cfg = Object.entries(e.topic.configs).map(([k, v]) => `${k}=${v}`).join(' ');
      lines.push(`create            ${name}  partitions=${e.topic.partitions} rf=${e.topic.replicationFactor} ${cfg}`);
    }
    if (e.raisePartitions) lines.push(`raise-partitions  ${name}  ${e.raisePartitions.from} -> ${e.raisePartitions.to}`);
    for (const c of e.configChanges) lines.push(`align-config      ${name}  ${c.key}: ${c.from ?? '(unset)'} -> ${c.to}`);
    if (planStatus(e) === 'ok') lines.push(`ok                ${name}`);
    for (const w of e.warnings) lines.push(`warning           ${name}  ${w}`);
  }
  const count = (s: ReturnType<typeof planStatus>) => plan.filter((e) => planStatus(e) === s).length;
  lines.push(`plan: ${count('create')} to create, ${count('update')} to change, ${count('ok')} unchanged (${plan.length} topics)`);
  return lines.map((l) => l.trimEnd()).join('\n');
}
