import { z } from 'zod';
import { Usage } from '../../contracts/provenance.js';

/**
 * One value on the cache topic (key = the cache key). `reply` is the parsed, schema-valid JSON reply exactly as the
 * endpoint's answer was accepted; it is validated again against the caller's schema on every hit. `usage` is what
 * the original call cost, kept so a sample answered from the cache carries the same provenance usage as the first.
 */
export const CacheEntry = z.object({
  key: z.string().min(1),
  model: z.string().describe('Model name the endpoint reported for the original reply'),
  simulated: z.boolean(),
  reply: z.unknown(),
  usage: Usage,
  stage: z.string().describe('Stage that paid for the reply (informational)'),
  createdAt: z.string().describe('ISO-8601 time of the original reply'),
});
export type CacheEntry = z.infer<typeof CacheEntry>;
