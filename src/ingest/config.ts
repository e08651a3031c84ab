import { z } from 'zod';

/**
 * `ingest` section: what `personahub ingest` (and `up`) accept from a file. The size policy is "skip, never cut":
 * a document whose encoded value exceeds maxDocumentBytes is skipped with reason `too_large` (counted in the
 * summary, its file position printed on stderr), never truncated — a cut page would be a different record under the
 * same id, and the dedup hashes would describe text nobody crawled. The bound keeps it below web.documents'
 * max.message.bytes (950,000, topics/types.ts) with room for the registry frame, the key and the batch header.
 */
export const IngestConfig = z
  .object({
    maxDocumentBytes: z
      .number()
      .int()
      .min(1024)
      .max(930_000)
      .default(900_000)
      .describe('Largest document (UTF-8 bytes of its JSON value) ingest produces; bigger ones are skipped as too_large'),
  })
  .prefault({});
export type IngestConfig = z.infer<typeof IngestConfig>;
