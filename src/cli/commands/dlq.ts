import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { stageInputs } from '../../dataflow/manifest.js';
import { DlqUsageError } from '../../dlq/errors.js';
import { formatInventory } from '../../dlq/inventory.js';
import { listDeadLetters } from '../../dlq/list.js';
import { replayDeadLetters } from '../../dlq/replay.js';
import { parseSelection } from '../../dlq/selection.js';
import { resolveTarget } from '../../dlq/target.js';
import { createKafka } from '../../kafka/client.js';
import { createLogger } from '../../logger.js';

/**
 * `personahub dlq list` and `personahub dlq replay <dlq-topic>` (src/dlq/; README "Dead letters: list, dry-run,
 * replay"). Bad input (unknown code or kind, a time without a zone, a topic that is not a dead-letter topic of the
 * dataflow) is a usage error, exit 2, reported before anything is read or written.
 */
const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
};
const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').map((x) => x.trim()).filter((x) => x !== '')];

/** Usage errors of the dlq modules become commander's (exit 2, the message printed by main). */
async function usage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DlqUsageError) throw new InvalidArgumentError(e.message);
    throw e;
  }
}

interface ReplayOptions {
  code: string[];
  kind: string[];
  since?: string;
  until?: string;
  maxAttempts?: number;
  replayId?: string;
  dryRun?: boolean;
  prefix: string;
  json?: boolean;
  config?: string;
}

export function register(program: Command): void {
  const dlq = program.command('dlq').description('Dead letters: list them, and replay them into their stage after a fix');

  dlq
    .command('list')
    .description('Every dead-letter topic with counts by stage, error kind and code, oldest and newest time')
    .option('--prefix <prefix>', 'topic prefix (as given to topics apply)', '')
    .option('--json', 'one JSON array instead of the table')
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ prefix: string; json?: boolean; config?: string }>();
      const config = loadConfig(o.config);
      const client = createKafka(config.kafka, { clientId: `${config.kafka.clientId}-dlq` });
      const topics = await listDeadLetters({ client, prefix: o.prefix, stages: stageInputs() });
      process.stdout.write(o.json ? `${JSON.stringify(topics)}\n` : formatInventory(topics, o.prefix));
    });

  dlq
    .command('replay')
    .description('Re-inject dead letters (original key, value and headers, plus replay headers) into the stage\'s input topic; prints the plan first')
    .argument('<dlq-topic>', 'dead-letter topic, e.g. personas.unique.dlq.synthesize-math')
    .option('--code <code>', 'only dead letters with this error code (repeat or comma-separate for several)', collect, [])
    .option('--kind <kind>', 'only this error kind: retriable, poison, fatal (repeatable)', collect, [])
    .option('--since <time>', 'only dead letters written at or after this time (ISO-8601 with a zone, or a date = UTC midnight)')
    .option('--until <time>', 'only dead letters written before this time')
    .option('--max-attempts <n>', 'skip records already replayed n times (default: dlq.replay.maxAttempts, 3)', positive)
    .option('--replay-id <id>', 'name of this replay (default: derived from the selection, so the same command twice replays nothing twice)')
    .option('--dry-run', 'print the plan only; write nothing')
    .option('--prefix <prefix>', 'topic prefix (as given to topics apply)', '')
    .option('--json', 'the plan and the result as one JSON object')
    .action(async (topic: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<ReplayOptions>();
      const config = loadConfig(o.config);
      const logger = createLogger('dlq-replay', process.env.PERSONAHUB_LOG_LEVEL ?? 'warn');
      const { target, selection } = await usage(async () => {
        const target = resolveTarget(o.prefix + topic, stageInputs());
        const selection = parseSelection({
          dlqTopic: target.dlqTopic,
          kinds: o.kind,
          codes: o.code,
          ...(o.since !== undefined ? { since: o.since } : {}),
          ...(o.until !== undefined ? { until: o.until } : {}),
          maxAttempts: o.maxAttempts ?? config.dlq.replay.maxAttempts,
        });
        return { target, selection };
      });
      const client = createKafka(config.kafka, { logger, clientId: `${config.kafka.clientId}-dlq-replay` });
      const outcome = await usage(() =>
        replayDeadLetters({
          client,
          logger,
          target,
          selection,
          ...(o.replayId !== undefined ? { replayId: o.replayId } : {}),
          dryRun: o.dryRun === true,
          batchSize: config.dlq.replay.batchSize,
          transactionTimeoutMs: config.dlq.replay.transactionTimeoutMs,
          out: (text) => {
            if (!o.json) process.stdout.write(text);
          },
          progress: (t, plan) =>
            process.stderr.write(`dlq replay: committed ${t.total} of ${plan.tally.total} dead letters read (${t.replayed} replayed, ${t.skippedTotal} skipped)\n`),
        }),
      );
      if (o.json) {
        const { plan, committed } = outcome;
        const { superseded: _s, tally, ...rest } = plan;
        process.stdout.write(`${JSON.stringify({ plan: { ...rest, tally }, ...(committed ? { committed } : {}) })}\n`);
      }
    });
}
