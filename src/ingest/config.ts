import { z } from 'zod';

/**
 * `ingest` section: what `personahub ingest` (and `up`) accept from a file. The size policy is "skip, never cut":
 * a document whose encoded value exceeds maxDocumentBytes is skipped with reason `too_large` (counted in the
 * summary, its file position printed on stderr), never truncated — a cut page would be a different record under the
 * same id, and the dedup hashes would describe text nobody crawled. Keep it well below the document topics'
 * max.message.bytes (topics/types.ts, 4 MiB).
 */
export const IngestConfig = z
  .object({
    maxDocumentBytes: z
      .number()
      .int()
      .min(1024)
      .max(3 * 1024 * 1024)
      .default(1_000_000)
      .describe('Largest document (UTF-8 bytes of its JSON value) ingest produces; bigger ones are skipped as too_large'),
  })
  .prefault({});
export type IngestConfig = z.infer<typeof IngestConfig>;
