import { z } from 'zod';

/**
 * The `llm.batch` section: how calls of a stage or scenario configured `mode: batch` (llm.stages / llm.scenarios)
 * go through the provider's Batch API (`/v1/files` + `/v1/batches`) instead of one HTTP request each.
 */
export const LlmBatchConfig = z
  .object({
    maxRequests: z.number().int().positive().default(100).describe('A batch is submitted when it holds this many requests …'),
    maxAgeMs: z.number().int().positive().default(5_000).describe('… or when its oldest request has waited this long'),
    pollMs: z.number().int().positive().default(2_000).describe('How often a submitted batch is polled'),
    maxRequeues: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe('Times a request whose line failed (error file, failed or expired batch) is put into a later batch before the call fails retriable'),
    completionWindow: z.string().default('24h').describe('completion_window of each batch (OpenAI accepts 24h)'),
  })
  .prefault({});
export type LlmBatchConfig = z.infer<typeof LlmBatchConfig>;
