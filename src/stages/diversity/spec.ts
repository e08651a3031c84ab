import { z } from 'zod';

/**
 * Live diversity metrics (issue #15), computed by the stages that already see the records: synthesize (distinct-n
 * and embedding similarity of each scenario's outputs) and expand (unique personas per hop, attribute coverage).
 * They only observe; no record is changed, delayed or filtered by them.
 */
export const DiversityConfig = z
  .object({
    window: z
      .number()
      .int()
      .min(1)
      .default(500)
      .describe('distinct-1/distinct-2 are computed over the last this many outputs of each scenario (per process)'),
    embeddingEvery: z
      .number()
      .int()
      .min(0)
      .default(10)
      .describe('Embed every n-th output of a scenario for the similarity sample; 0 = no embedding calls'),
    embeddingSample: z
      .number()
      .int()
      .min(2)
      .default(32)
      .describe('Mean pairwise cosine similarity is taken over the last this many embedded outputs of a scenario'),
    maxAttributeValues: z
      .number()
      .int()
      .min(1)
      .default(50_000)
      .describe('Distinct values remembered per persona attribute for coverage (oldest forgotten first; per process)'),
  })
  .default({ window: 500, embeddingEvery: 10, embeddingSample: 32, maxAttributeValues: 50_000 });
export type DiversityConfig = z.infer<typeof DiversityConfig>;
