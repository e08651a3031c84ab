import { z } from 'zod';
import { canonicalTime, hasVisibleText, isHttpUrl, isPrintableId } from './input-checks.js';

/**
 * A crawled web page as it enters on `web.documents`. Producers may write plain JSON (kcat, a crawler) or
 * registry-framed JSON; both decode to this. The minimal crawler document is {id, url, text, fetchedAt}: `source`
 * defaults to "unknown", `lang` is optional, unknown extra fields are dropped.
 *
 * Semantic checks (src/contracts/input-checks.ts) are refinements, not JSON Schema keywords: the registered schema
 * keeps the shape, the runtime enforces the policy and dead-letters (`schema_invalid`) what fails it. `fetchedAt`
 * is normalised to UTC ISO-8601 (an `overwrite`, which keeps the JSON Schema a plain string).
 */
export const WebDocument = z
  .object({
    id: z
      .string()
      .min(1)
      .max(512)
      .refine(isPrintableId, 'id must be printable: no control characters, not blank')
      .describe('Stable document id chosen by the producer (e.g. WARC-Record-ID or a hash of the URL); printable, 1-512 characters'),
    url: z
      .string()
      .min(1)
      .max(8192)
      .refine(isHttpUrl, 'url must be an absolute http(s) URL without whitespace or control characters')
      .describe('Where the text was fetched from: an absolute http(s) URL'),
    text: z.string().min(1).refine(hasVisibleText, 'text has no visible characters (whitespace only)').describe('Extracted plain text of the page'),
    lang: z.string().min(2).max(35).optional().describe('BCP-47 language tag, when known'),
    fetchedAt: z
      .string()
      .overwrite((s) => canonicalTime(s) ?? s)
      .refine((s) => canonicalTime(s) === s, 'fetchedAt must be an ISO-8601 time with a zone (e.g. 2024-11-05T10:00:00Z)')
      .describe('Time the page was fetched: ISO-8601 with a zone, stored as UTC (e.g. 2024-11-05T10:00:00.000Z)'),
    source: z.string().min(1).max(256).default('unknown').describe('Where the document came from: crawl name, WARC file, feed ("unknown" when not given)'),
  })
  .describe('A web document to infer personas from');
export type WebDocument = z.infer<typeof WebDocument>;
