import type { WebDocument } from '../contracts/web-document.js';
import { IngestConfig } from './config.js';

/** Why an input record did not become a document. Bounded set: it is a summary and log label. */
export const SKIP_REASONS = [
  'invalid_json', // a JSONL line that is not JSON
  'no_text', // no text, or only whitespace / markup
  'invalid_document', // JSON, but not a document (no url, wrong types)
  'non_text_record', // a WARC record that carries no page text (warcinfo, request, metadata, images ...)
  'too_large', // the encoded document exceeds ingest.maxDocumentBytes (skipped whole, never truncated)
  'produce_failed', // the broker refused this one document (reported with its id and the error); the rest go on
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export type IngestItem =
  | { kind: 'document'; doc: WebDocument }
  | { kind: 'skipped'; reason: SkipReason; where: string };

/** How readers turn raw records into documents (the ingest config section, as the readers need it). */
export interface ReaderOptions {
  /** Largest encoded document (UTF-8 bytes of its JSON) to accept; bigger ones are skipped as too_large. */
  maxDocumentBytes: number;
}
export const DEFAULT_READER_OPTIONS: ReaderOptions = { maxDocumentBytes: IngestConfig.parse({}).maxDocumentBytes };

export interface IngestSummary {
  read: number;
  produced: number;
  skipped: Record<SkipReason, number>;
}

export const emptySummary = (): IngestSummary => ({
  read: 0,
  produced: 0,
  skipped: Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>,
});
