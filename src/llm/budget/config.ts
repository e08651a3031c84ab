import { z } from 'zod';

/**
 * The `llm.budgets` section: spending limits per scenario and per stage, shared by every instance through the
 * spend ledger topic (src/llm/budget/). When one of the limits that apply to a call is reached, the stages it
 * applies to pause their partitions (lag grows, visibly) and calls already handed to the stage wait; `personahub
 * budget set` raises a limit for every instance at once, and they resume.
 */
export const BudgetLimit = z
  .object({
    usd: z.number().positive().optional().describe('Estimated spend in USD (llm.prices; batch and cached-input prices applied)'),
    tokens: z.number().int().positive().optional().describe('Input + output tokens reported by the endpoint'),
    requests: z.number().int().positive().optional().describe('HTTP requests sent (every attempt counts; cache hits do not)'),
  })
  .strict();
export type BudgetLimit = z.infer<typeof BudgetLimit>;

export const LlmBudgetsConfig = z
  .object({
    scenarios: z.record(z.string(), BudgetLimit).default({}).describe('Limits by scenario name (math, tool, ...): apply to its synthesize stage'),
    stages: z.record(z.string(), BudgetLimit).default({}).describe('Limits by stage name (extract, expand, synthesize-math, ...)'),
    topic: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .default('llm.spend')
      .describe('Compacted ledger topic holding each instance\'s spend and raised limits; not prefixed by a run prefix'),
    flushMs: z
      .number()
      .int()
      .positive()
      .default(20)
      .describe('Least time between two publications of an instance\'s spend (a burst of requests is one write); part of the cross-instance overshoot window'),
  })
  .prefault({});
export type LlmBudgetsConfig = z.infer<typeof LlmBudgetsConfig>;

/** Budget names as they appear in metrics and the ledger: `scenario:<name>` / `stage:<name>`. */
export const budgetName = (scope: 'scenario' | 'stage', name: string) => `${scope}:${name}`;

export const budgetsInUse = (c: LlmBudgetsConfig): boolean => Object.keys(c.scenarios).length + Object.keys(c.stages).length > 0;

/** The configured limits by budget name. */
export function configuredLimits(c: LlmBudgetsConfig): Map<string, BudgetLimit> {
  const m = new Map<string, BudgetLimit>();
  for (const [n, l] of Object.entries(c.scenarios)) m.set(budgetName('scenario', n), l);
  for (const [n, l] of Object.entries(c.stages)) m.set(budgetName('stage', n), l);
  return m;
}
