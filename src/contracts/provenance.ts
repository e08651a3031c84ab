import { z } from 'zod';

/** Token usage as reported by the LLM endpoint for one logical call (all attempts summed). */
export const Usage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

/**
 * The response cache's mark (src/llm/cache/): `hit` = the reply was answered from the cache (no LLM call, no cost;
 * `usage` is what the original call cost), false = the call was made (and stored when the cache is read-write).
 * `key` is the content address of the call, the same for every record that asked exactly the same thing.
 */
export const CacheMark = z.object({ hit: z.boolean(), key: z.string() });
export type CacheMark = z.infer<typeof CacheMark>;

/**
 * Where a record came from: which stage made it, with which model, prompt and parameters, at what cost.
 * `model` is the name the endpoint reported; `simulated` is true when the endpoint was personahub's own simulator,
 * so simulator text is never mistaken for model output downstream.
 */
export const Provenance = z.object({
  stage: z.string(),
  model: z.string(),
  simulated: z.boolean().default(false),
  promptId: z.string(),
  promptVersion: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  usage: Usage,
  createdAt: z.string().describe('ISO-8601'),
  cache: CacheMark.optional().describe('Present when the LLM response cache was consulted for this record'),
});
export type Provenance = z.infer<typeof Provenance>;
