import { z } from 'zod';

/** Near-duplicate filter settings. Defaults are the Persona Hub paper's (MinHash word 1-grams, 128 perms, 0.9). */
export const DedupConfig = z
  .object({
    personas: z
      .object({
        method: z.enum(['minhash', 'exact', 'semantic']).default('minhash'),
        threshold: z.number().min(0).max(1).default(0.9).describe('Word-Jaccard threshold'),
        permutations: z.number().int().positive().default(128),
      })
      .default({ method: 'minhash', threshold: 0.9, permutations: 128 }),
    documents: z
      .object({
        method: z.enum(['simhash', 'exact', 'none']).default('simhash'),
        maxHamming: z.number().int().min(0).max(8).default(3).describe('SimHash k'),
      })
      .default({ method: 'simhash', maxHamming: 3 }),
  })
  .default({
    personas: { method: 'minhash', threshold: 0.9, permutations: 128 },
    documents: { method: 'simhash', maxHamming: 3 },
  });
export type DedupConfig = z.infer<typeof DedupConfig>;
