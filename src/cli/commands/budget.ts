import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { BudgetBook, UNITS } from '../../llm/budget/book.js';
import { BudgetLimit, configuredLimits } from '../../llm/budget/config.js';
import { LedgerRecord } from '../../llm/budget/ledger-record.js';
import { publishLimit } from '../../llm/budget/kafka-ledger.js';
import { createKafka } from '../../kafka/client.js';
import { readToEnd } from '../../kafka/read-to-end.js';

/**
 * `personahub budget show` — spend vs limit of every budget, as every instance published it on the ledger.
 * `personahub budget set <scenario:NAME|stage:NAME> [--requests N] [--tokens N] [--usd N]` — a new limit for every
 * instance at once (the latest `set` wins over the config); paused stages resume when it leaves room.
 */
const BUDGET = /^(scenario|stage):[A-Za-z0-9_.-]+$/;
const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number');
  return n;
};

export function register(program: Command): void {
  const budget = program.command('budget').description('LLM budgets per scenario and stage, shared by every instance (llm.budgets)');

  budget
    .command('show')
    .description('Spend vs limit of every budget (from the spend ledger topic)')
    .option('--json', 'one JSON object')
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ config?: string; json?: boolean }>();
      const config = loadConfig(o.config);
      const book = new BudgetBook(configuredLimits(config.llm.budgets), 'personahub-budget-cli');
      await readToEnd({
        client: createKafka(config.kafka, { clientId: `${config.kafka.clientId}-budget` }),
        topic: config.llm.budgets.topic,
        onRecord: (r) => {
          if (!r.value) return;
          try {
            const p = LedgerRecord.safeParse(JSON.parse(r.value.toString('utf8')));
            if (p.success) book.apply(p.data);
          } catch {
            // not a ledger record
          }
        },
      });
      const rows = book.budgets.map((b) => ({ budget: b, spent: book.total(b), limit: book.limit(b) ?? {}, exhausted: book.exhausted(b) }));
      if (o.json) process.stdout.write(`${JSON.stringify({ budgets: rows })}\n`);
      else if (rows.length === 0) process.stdout.write('no budgets configured (llm.budgets) or set\n');
      else
        for (const r of rows)
          process.stdout.write(
            `${r.budget.padEnd(28)} ${UNITS.map((u) => `${u} ${Math.round(r.spent[u] * 10_000) / 10_000}/${r.limit[u] ?? '-'}`).join('  ')}${r.exhausted ? '  EXHAUSTED (paused)' : ''}\n`,
          );
    });

  budget
    .command('set <budget>')
    .description('Set a limit for every instance at once, e.g. `budget set scenario:math --requests 5000`')
    .option('--requests <n>', 'HTTP requests', positive)
    .option('--tokens <n>', 'input + output tokens', positive)
    .option('--usd <n>', 'estimated USD', positive)
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ config?: string; requests?: number; tokens?: number; usd?: number }>();
      if (!BUDGET.test(name)) throw new InvalidArgumentError(`${name}: expected scenario:<name> or stage:<name>`);
      const limit = BudgetLimit.safeParse({
        ...(o.requests !== undefined ? { requests: Math.round(o.requests) } : {}),
        ...(o.tokens !== undefined ? { tokens: Math.round(o.tokens) } : {}),
        ...(o.usd !== undefined ? { usd: o.usd } : {}),
      });
      if (!limit.success || Object.keys(limit.data).length === 0) throw new InvalidArgumentError('give at least one of --requests, --tokens, --usd');
      const config = loadConfig(o.config);
      await publishLimit(createKafka(config.kafka, { clientId: `${config.kafka.clientId}-budget` }), config.llm.budgets.topic, name, limit.data);
      process.stdout.write(`${name}: limit set to ${JSON.stringify(limit.data)} for every instance\n`);
    });
}
