import { z } from 'zod';

/**
 * A crawled web page as it enters on `web.documents`. Producers may write plain JSON (kcat, a crawler) or
 * registry-framed JSON; both decode to this.
 */
export const WebDocument = z
  .object({
    id: z.string().min(1).max(512).describe('Stable document id chosen by the producer (e.g. WARC-Record-ID or a hash of the URL)'),
    url: z.string().min(1).max(8192).describe('Where the text was fetched from'),
    text: z.string().min(1).describe('Extracted plain text of the page'),
    lang: z.string().min(2).max(35).optional().describe('BCP-47 language tag, when known'),
    fetchedAt: z.string().describe('ISO-8601 time the page was fetched'),
    source: z.string().min(1).max(256).describe('Where the document came from: crawl name, WARC file, feed'),
  })
  .describe('A web document to infer personas from');
export type WebDocument = z.infer<typeof WebDocument>;
