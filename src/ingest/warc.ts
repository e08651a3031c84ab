import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { WARCParser, type WARCRecord } from 'warcio';
import { toDocument } from './document.js';
import { htmlToText } from './html-text.js';
import { DEFAULT_READER_OPTIONS, type IngestItem, type ReaderOptions } from './types.js';

/**
 * Documents from a WARC or WET file, gzipped per record (as Common Crawl ships them) or not: warcio detects the
 * compression. Text comes from
 *  - `conversion` records (WET: the page text Common Crawl extracted), and
 *  - `response` / `resource` records whose payload is text/html or text/plain (HTML is reduced to text).
 * Everything else (warcinfo, request, metadata, revisit, images ...) is skipped as non_text_record. Record id =
 * WARC-Record-ID, url = WARC-Target-URI, fetchedAt = WARC-Date, lang = WARC-Identified-Content-Language (first).
 */
export async function* readWarc(input: Readable, source: string, options: ReaderOptions = DEFAULT_READER_OPTIONS): AsyncGenerator<IngestItem> {
  const parser = new WARCParser(input);
  const name = basename(source);
  let n = 0;
  for await (const record of parser) {
    n++;
    const where = `${name}#${n}`;
    const type = record.warcType;
    const url = record.warcTargetURI ?? '';
    let text: string | undefined;
    if (type === 'conversion') {
      text = await record.contentText();
    } else if ((type === 'response' || type === 'resource') && url !== '') {
      const contentType = (contentTypeOf(record) ?? '').toLowerCase();
      if (contentType.includes('text/html') || contentType.includes('application/xhtml')) {
        text = htmlToText(await record.contentText());
      } else if (contentType.includes('text/plain')) {
        text = await record.contentText();
      }
    }
    if (text === undefined || url === '') {
      await record.skipFully();
      yield { kind: 'skipped', reason: 'non_text_record', where };
      continue;
    }
    const lang = record.warcHeader('WARC-Identified-Content-Language')?.split(',')[0]?.trim();
    yield toDocument(
      {
        id: record.warcHeader('WARC-Record-ID') ?? undefined,
        url,
        text,
        ...(lang ? { lang } : {}),
        fetchedAt: record.warcDate ?? undefined,
        source: name,
      },
      { source: name, where, now: new Date().toISOString() },
      options,
    );
  }
}

/** Payload content type: the HTTP header for response records, the WARC header for resource records. */
function contentTypeOf(record: WARCRecord): string | undefined {
  return record.httpHeaders?.headers.get('content-type') ?? record.warcContentType ?? undefined;
}
