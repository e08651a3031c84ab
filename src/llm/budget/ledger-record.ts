import { z } from 'zod';
import { BudgetLimit } from './config.js';

/**
 * Values on the spend ledger topic. Keys: `spend|<budget>|<instance>` (one per process lifetime: cumulative, so
 * compaction keeping the latest loses nothing) and `limit|<budget>` (the latest raised limit wins over config).
 */
export const SpendRecord = z.object({
  kind: z.literal('spend'),
  budget: z.string(),
  instance: z.string(),
  requests: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  usd: z.number().nonnegative(),
  at: z.string(),
});
export const LimitRecord = z.object({ kind: z.literal('limit'), budget: z.string(), limit: BudgetLimit, at: z.string() });
export const LedgerRecord = z.discriminatedUnion('kind', [SpendRecord, LimitRecord]);
export type SpendRecord = z.infer<typeof SpendRecord>;
export type LimitRecord = z.infer<typeof LimitRecord>;
export type LedgerRecord = z.infer<typeof LedgerRecord>;

export const spendKey = (budget: string, instance: string) => `spend|${budget}|${instance}`;
export const limitKey = (budget: string) => `limit|${budget}`;
