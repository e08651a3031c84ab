import { InvalidArgumentError, type Command } from 'commander';
import { topicsFor } from '../../../topics/index.js';
import { loadConfig } from '../../config/load.js';
import { createKafka } from '../../kafka/client.js';
import { applyTopicPlan, formatTopicPlan, planStatus, planTopics, waitForTopics } from '../../kafka/topic-plan.js';

/**
 * `personahub topics list`: the topics of topics/ (no broker needed).
 * `personahub topics apply [--dry-run]`: print the plan against the configured cluster, then execute it
 * (create missing, raise partitions, align managed configs; never deletes). Applying twice is a no-op.
 */
const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
};

interface TopicsCliOptions {
  prefix?: string;
  replicationFactor?: number;
  dryRun?: boolean;
  config?: string;
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
    .action(async (_o: TopicsCliOptions, cmd: Command) => {
      const o = cmd.optsWithGlobals<TopicsCliOptions>();
      const config = loadConfig(o.config);
      const admin = createKafka(config.kafka, { clientId: `${config.kafka.clientId}-topics` }).admin();
      await admin.connect();
      try {
        const wanted = topicsFor(toTopicsOptions(o));
        const plan = await planTopics(admin, wanted);
        process.stdout.write(`${formatTopicPlan(plan)}\n`);
        if (o.dryRun) return;
        if (plan.every((e) => planStatus(e) === 'ok')) {
          process.stdout.write('nothing to do\n');
          return;
        }
        await applyTopicPlan(admin, plan);
        await waitForTopics(admin, wanted);
        process.stdout.write('applied\n');
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
