import { InvalidArgumentError, type Command } from 'commander';
import { topicsFor } from '../../../topics/index.js';
import { loadConfig } from '../../config/load.js';
import { sharedTopicNames } from '../prepare-cluster.js';
import { createKafka } from '../../kafka/client.js';
import { applyTopicPlan, formatTopicPlan, planStatus, planTopics, waitForTopics, type TopicPlanEntry } from '../../kafka/topic-plan.js';

/**
 * `personahub topics list`: the topics of topics/ (no broker needed).
 * `personahub topics apply [--dry-run]`: print the plan against the configured cluster, then execute it
 * (create missing, raise partitions, align managed configs; never deletes). Applying twice is a no-op.
 * `personahub topics delete --prefix P --yes`: remove the design's topics under a prefix (the leftovers of
 * `npm start`'s fresh runs or of tests) and their consumer groups. It refuses to run without a prefix, so the
 * production topics can never be deleted by this command.
 */
const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
};

interface TopicsCliOptions {
  prefix?: string;
  yes?: boolean;
  replicationFactor?: number;
  dryRun?: boolean;
  json?: boolean;
  config?: string;
}

/** `topics apply --json`: the plan (and whether it was applied) as one JSON object. */
export function planJson(plan: readonly TopicPlanEntry[], applied: boolean) {
  return {
    applied,
    changes: plan.filter((e) => planStatus(e) !== 'ok').length,
    topics: plan.map((e) => ({
      topic: e.topic.name,
      status: planStatus(e),
      partitions: e.topic.partitions,
      ...(e.raisePartitions ? { raisePartitions: e.raisePartitions } : {}),
      configChanges: e.configChanges,
      warnings: e.warnings,
    })),
  };
}

export function register(program: Command): void {
  const topics = program.command('topics').description('Kafka topics as code (topics/)');

  topics
    .command('list')
    .description('List every topic of the design with partitions, configs and value subject')
    .option('--prefix <prefix>', 'prepend to every topic name (test isolation)')
    .option('--replication-factor <n>', 'replication factor of every topic', positiveInt)
    .action((o: TopicsCliOptions) => {
      for (const t of topicsFor(toTopicsOptions(o))) {
        const cfg = Object.entries(t.configs).map(([k, v]) => `${k}=${v}`).join(' ');
        process.stdout.write(`${t.name}\tpartitions=${t.partitions} rf=${t.replicationFactor} ${cfg}\t${t.valueSubject ?? '-'}\n`);
      }
    });

  topics
    .command('apply')
    .description('Create missing topics, raise partitions, align configs; prints the plan first, never deletes')
    .option('--dry-run', 'print the plan only, change nothing')
    .option('--prefix <prefix>', 'prepend to every topic name (test isolation)')
    .option('--replication-factor <n>', 'replication factor of every topic', positiveInt)
    .option('--json', 'print the plan as one JSON object instead of text')
    .action(async (_o: TopicsCliOptions, cmd: Command) => {
      const o = cmd.optsWithGlobals<TopicsCliOptions>();
      const config = loadConfig(o.config);
      const admin = createKafka(config.kafka, { clientId: `${config.kafka.clientId}-topics` }).admin();
      await admin.connect();
      try {
        // Without --prefix the shared topics (the LLM cache) take their configured names; with it, every topic is
        // prefixed (test isolation: nothing outside the prefix is touched).
        const wanted = topicsFor({ ...toTopicsOptions(o), ...(o.prefix === undefined ? { sharedNames: sharedTopicNames(config) } : {}) });
        const plan = await planTopics(admin, wanted);
        const nothingToDo = plan.every((e) => planStatus(e) === 'ok');
        if (!o.json) process.stdout.write(`${formatTopicPlan(plan)}\n`);
        if (!o.dryRun && !nothingToDo) {
          await applyTopicPlan(admin, plan);
          await waitForTopics(admin, wanted);
        }
        if (o.json) process.stdout.write(`${JSON.stringify(planJson(plan, !o.dryRun && !nothingToDo))}\n`);
        else if (!o.dryRun) process.stdout.write(nothingToDo ? 'nothing to do\n' : 'applied\n');
      } finally {
        await admin.disconnect();
      }
    });

  topics
    .command('delete')
    .description('Delete the topics (and consumer groups) of one prefixed run, e.g. an `npm start --fresh` run; needs --prefix')
    .requiredOption('--prefix <prefix>', 'the run prefix, e.g. run-20261125T041943-0d4b. (required: unprefixed topics are never deleted)')
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .option('--yes', 'really delete (without it, behaves like --dry-run)')
    .action(async (_o: TopicsCliOptions, cmd: Command) => {
      const o = cmd.optsWithGlobals<TopicsCliOptions>();
      const prefix = o.prefix ?? '';
      if (prefix.trim() === '') throw new InvalidArgumentError('--prefix must not be empty');
      const config = loadConfig(o.config);
      const admin = createKafka(config.kafka, { clientId: `${config.kafka.clientId}-topics` }).admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const doomed = topicsFor({ prefix }).map((t) => t.name).filter((n) => existing.has(n));
        const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
        for (const t of doomed) process.stdout.write(`delete topic  ${t}\n`);
        for (const g of groups) process.stdout.write(`delete group  ${g}\n`);
        process.stdout.write(`plan: ${doomed.length} topic(s), ${groups.length} group(s) under prefix "${prefix}"\n`);
        if (o.dryRun || !o.yes) {
          if (!o.dryRun) process.stdout.write('nothing deleted: add --yes to delete\n');
          return;
        }
        if (groups.length > 0) await admin.deleteGroups(groups);
        if (doomed.length > 0) await admin.deleteTopics({ topics: doomed, timeout: 30_000 });
        process.stdout.write('deleted\n');
      } finally {
        await admin.disconnect();
      }
    });
}

function toTopicsOptions(o: TopicsCliOptions) {
  return {
    ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
    ...(o.replicationFactor !== undefined ? { replicationFactor: o.replicationFactor } : {}),
  };
}
