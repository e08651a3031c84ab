import { z } from 'zod';
import { WebDocument } from '../contracts/web-document.js';
import { stableId } from '../stages/hash.js';
import { DEFAULT_READER_OPTIONS, type IngestItem, type ReaderOptions } from './types.js';

/**
 * What ingest accepts for one document: WebDocument with the producer-side fields optional. Missing `id` becomes a
 * stable hash of url + text (re-ingesting the same file yields the same ids), missing `fetchedAt` the ingest time,
 * missing `source` the file name. Documents over `maxDocumentBytes` are skipped as too_large (README: size policy).
 */
const LooseDocument = z.object({
  id: z.string().min(1).optional(),
  url: z.string().min(1),
  text: z.string().optional(),
  lang: z.string().optional(),
  fetchedAt: z.string().optional(),
  source: z.string().optional(),
});

export function toDocument(
  raw: unknown,
  defaults: { source: string; where: string; now: string },
  options: ReaderOptions = DEFAULT_READER_OPTIONS,
): IngestItem {
  const loose = LooseDocument.safeParse(raw);
  if (!loose.success) return { kind: 'skipped', reason: 'invalid_document', where: defaults.where };
  const d = loose.data;
  const text = (d.text ?? '').trim();
  if (text === '') return { kind: 'skipped', reason: 'no_text', where: defaults.where };
  const candidate = {
    id: d.id ?? `doc-${stableId(d.url, text)}`,
    url: d.url,
    text,
    ...(d.lang ? { lang: d.lang } : {}),
    fetchedAt: d.fetchedAt ?? defaults.now,
    source: d.source ?? defaults.source,
  };
  const doc = WebDocument.safeParse(candidate);
  if (!doc.success) return { kind: 'skipped', reason: 'invalid_document', where: defaults.where };
  // Size of what would be produced (the registry frame adds 5 bytes): skipped whole, never cut.
  if (Buffer.byteLength(JSON.stringify(doc.data), 'utf8') > options.maxDocumentBytes) {
    return { kind: 'skipped', reason: 'too_large', where: defaults.where };
  }
  return { kind: 'document', doc: doc.data };
}
