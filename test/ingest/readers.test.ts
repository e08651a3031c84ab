import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WARCRecord, WARCSerializer } from 'warcio';
import { WebDocument } from '../../src/contracts/web-document.js';
import { detectFormat, openInput } from '../../src/ingest/open.js';
import { htmlToText } from '../../src/ingest/html-text.js';
import type { IngestItem } from '../../src/ingest/types.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('personahub-ingest-');

async function collect(items: AsyncIterable<IngestItem>) {
  const out: IngestItem[] = [];
  for await (const i of items) out.push(i);
  return out;
}
const docs = (items: IngestItem[]) => items.flatMap((i) => (i.kind === 'document' ? [i.doc] : []));
const skips = (items: IngestItem[]) => items.flatMap((i) => (i.kind === 'skipped' ? [i.reason] : []));

const enc = new TextEncoder();
async function warcRecord(opts: Parameters<typeof WARCRecord.create>[0], body: string) {
  const record = WARCRecord.create(opts, (async function* () {
    yield enc.encode(body);
  })());
  return WARCSerializer.serialize(record, { gzip: true });
}

describe('ingest readers', () => {
  it('detects the format from the file name', () => {
    expect(detectFormat('crawl.warc.gz')).toBe('warc');
    expect(detectFormat('CC-MAIN-1.warc.wet.gz')).toBe('warc');
    expect(detectFormat('docs.jsonl')).toBe('jsonl');
    expect(detectFormat('docs.jsonl.gz')).toBe('jsonl');
    expect(detectFormat('-')).toBe('jsonl');
  });

  it('JSON Lines: fills missing id/fetchedAt/source, skips bad lines with reasons', async () => {
    const lines = [
      JSON.stringify({ id: 'a', url: 'https://a.example/', text: 'Alpha page text', fetchedAt: '2026-01-01T00:00:00Z', source: 'crawl-1' }),
      JSON.stringify({ url: 'https://b.example/', text: '  Beta page  ' }),
      '',
      '{not json',
      JSON.stringify({ url: 'https://c.example/', text: '   ' }),
      JSON.stringify({ text: 'no url' }),
      JSON.stringify({ url: 'https://d.example/', text: 42 }),
    ];
    const file = join(dir, 'docs.jsonl');
    writeFileSync(file, lines.join('\n'));
    const items = await collect(openInput(file).items);
    const got = docs(items);
    expect(got.map((d) => d.url)).toEqual(['https://a.example/', 'https://b.example/']);
    for (const d of got) WebDocument.parse(d);
    expect(got[0]).toMatchObject({ id: 'a', source: 'crawl-1' });
    expect(got[1]!.text).toBe('Beta page');
    expect(got[1]!.source).toBe('docs.jsonl');
    expect(got[1]!.id).toMatch(/^doc-[0-9a-f]{32}$/);
    expect(skips(items)).toEqual(['invalid_json', 'no_text', 'invalid_document', 'invalid_document']);
    // Ids without a producer id are stable across runs.
    const again = docs(await collect(openInput(file).items));
    expect(again[1]!.id).toBe(got[1]!.id);
  });

  it('gzipped JSON Lines are read transparently', async () => {
    const file = join(dir, 'docs.jsonl.gz');
    writeFileSync(file, gzipSync(JSON.stringify({ url: 'https://z.example/', text: 'Zeta' }) + '\n'));
    expect(docs(await collect(openInput(file).items)).map((d) => d.text)).toEqual(['Zeta']);
  });

  it('WET (gzipped per record): conversion records become documents; warcinfo is skipped', async () => {
    const parts = [
      await warcRecord({ type: 'warcinfo', filename: 'test.warc.wet.gz' }, 'software: personahub-test\r\n'),
      await warcRecord(
        {
          url: 'https://wet.example/page',
          date: '2026-02-03T04:05:06Z',
          type: 'conversion',
          warcHeaders: { 'Content-Type': 'text/plain', 'WARC-Identified-Content-Language': 'eng,fra' } },
        'A page about tide tables and harbour pilots.',
      ),
      await warcRecord({ url: 'https://wet.example/empty', type: 'conversion', warcHeaders: { 'Content-Type': 'text/plain' } }, '  \n '),
    ];
    const file = join(dir, 'sample.warc.wet.gz');
    writeFileSync(file, Buffer.concat(parts.map((p) => Buffer.from(p))));
    const items = await collect(openInput(file).items);
    const got = docs(items);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ url: 'https://wet.example/page', lang: 'eng', source: 'sample.warc.wet.gz', text: 'A page about tide tables and harbour pilots.' });
    expect(got[0]!.id).toMatch(/^<urn:uuid:/);
    expect(new Date(got[0]!.fetchedAt).toISOString()).toBe('2026-02-03T04:05:06.000Z');
    expect(skips(items)).toEqual(['non_text_record', 'no_text']);
  });

  it('WARC: HTML responses are reduced to text; requests and images are skipped', async () => {
    const html = '<html><head><title>t</title><style>p{}</style></head><body><h1>Bee&amp;Hive</h1><script>x()</script><p>Queen rearing notes</p></body></html>';
    const parts = [
      await warcRecord({ url: 'https://w.example/', type: 'request', statusline: 'GET / HTTP/1.1', httpHeaders: { Host: 'w.example' } }, ''),
      await warcRecord({ url: 'https://w.example/', type: 'response', statusline: 'HTTP/1.1 200 OK', httpHeaders: { 'Content-Type': 'text/html; charset=utf-8' } }, html),
      await warcRecord({ url: 'https://w.example/a.png', type: 'response', statusline: 'HTTP/1.1 200 OK', httpHeaders: { 'Content-Type': 'image/png' } }, 'PNG'),
    ];
    const file = join(dir, 'sample.warc.gz');
    writeFileSync(file, Buffer.concat(parts.map((p) => Buffer.from(p))));
    const items = await collect(openInput(file).items);
    expect(docs(items).map((d) => d.text)).toEqual(['Bee&Hive\nQueen rearing notes']);
    expect(skips(items)).toEqual(['non_text_record', 'non_text_record']);
  });

  it('htmlToText drops scripts, comments and tags and decodes entities', () => {
    expect(htmlToText('<div>a&nbsp;b</div><!-- c --><noscript>n</noscript><p>&#233;t&#xE9;</p>')).toBe('a b\nété');
  });
});
