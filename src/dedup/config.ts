import { z } from 'zod';

/**
 * Near-duplicate filter settings. Persona defaults are the Persona Hub paper's (MinHash over word 1-grams,
 * 128 permutations, threshold 0.9) with LSH banding 16 x 8 (see docs/dedup.md for why not the equal-weight
 * optimum 5 x 25); page defaults follow Manku et al. (64-bit SimHash, k = 3).
 */
const Personas = z.object({
  method: z.enum(['minhash', 'exact', 'semantic']).default('minhash').describe('semantic: MinHash plus embedding cosine >= semanticThreshold (embeddings from llm.embeddingModel), offline and in the stream'),
  threshold: z.number().min(0).max(1).default(0.9).describe('Word-Jaccard threshold'),
  permutations: z.number().int().positive().default(128),
  bands: z.number().int().positive().default(16).describe('LSH bands; bands x rows <= permutations'),
  rows: z.number().int().positive().default(8).describe('LSH rows per band'),
  semanticThreshold: z.number().min(0).max(1).default(0.9).describe('Cosine threshold of method semantic (the paper: 0.9)'),
});
const Documents = z.object({
  method: z
    .enum(['simhash', 'minhash', 'exact', 'none'])
    .default('simhash')
    .describe('minhash: stricter (word-Jaccard >= threshold, ~4 bytes per distinct word stored); none: do not run pagefilter'),
  threshold: z.number().min(0).max(1).default(0.9).describe('Word-Jaccard threshold when method is minhash'),
  maxHamming: z.number().int().min(0).max(8).default(3).describe('SimHash k'),
  shingleWords: z.number().int().min(1).max(8).default(2).describe('Words per SimHash feature (shingle)'),
  blocks: z.number().int().min(1).max(16).optional().describe('Permuted-block count B (>= k+1; default k+1): C(B, B-k) tables'),
});

/** The streaming filters' layout (docs/dedup.md, "Streaming"): both filters use it. */
const Stream = z.object({
  partitions: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe('Route partitions used (<= the route topic\'s partitions): an item visits the ones owning its keys, so hops per item <= this; 1 = one hop, one owner'),
  segmentItems: z.number().int().min(1).max(1024).default(8).describe('Stored items per changelog segment (a compacted changelog holds one record per segment)'),
});

export const DedupConfig = z
  .object({
    personas: Personas.prefault({}),
    documents: Documents.prefault({}),
    stream: Stream.prefault({}),
  })
  .prefault({});
export type DedupConfig = z.infer<typeof DedupConfig>;
