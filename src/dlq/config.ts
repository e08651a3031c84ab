import { z } from 'zod';

/**
 * `dlq` section: how `personahub dlq replay` re-injects dead letters (src/dlq/, README "Dead letters").
 */
export const DlqConfig = z
  .object({
    replay: z
      .object({
        maxAttempts: z
          .number()
          .int()
          .min(1)
          .default(3)
          .describe('Replays per record: a dead letter whose record has been replayed this many times already is skipped (reason max_attempts); `--max-attempts` overrides'),
        batchSize: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(100)
          .describe('Dead letters per replay transaction (re-injected records and the replay group\'s offset, committed together)'),
        transactionTimeoutMs: z
          .number()
          .int()
          .min(1_000)
          .default(15_000)
          .describe('How long the coordinator keeps the open transaction of a killed replay before aborting it (a re-run aborts it at once)'),
      })
      .prefault({}),
  })
  .prefault({});
export type DlqConfig = z.infer<typeof DlqConfig>;
