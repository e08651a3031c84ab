import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topicsFor } from '../../topics/index.js';
import { DOCUMENT_MAX_MESSAGE_BYTES, INPUT_BATCH_MAX_BYTES, INPUT_MAX_MESSAGE_BYTES } from '../../topics/types.js';
import { loadConfig } from '../../src/config/load.js';
import { Config } from '../../src/config/schema.js';

const loadConfigWith = (raw: unknown) => Config.parse(raw);
import { openInput } from '../../src/ingest/open.js';
import type { IngestItem } from '../../src/ingest/types.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * Issue #11 defect 2, the reader side: documents over ingest.maxDocumentBytes are skipped as too_large (whole, never
 * cut) and reading goes on; every topic that carries pages accepts messages well above that limit.
 */
const words = (bytes: number) => `${'lorem ipsum dolor sit amet '.repeat(Math.ceil(bytes / 27)).slice(0, bytes - 1)}x`;
const line = (id: string, textBytes: number) => JSON.stringify({ id, url: `https://big.example/${id}`, text: words(textBytes) });

async function read(file: string, maxDocumentBytes?: number) {
  const items: IngestItem[] = [];
  const input = openInput(file, 'jsonl', maxDocumentBytes ? { maxDocumentBytes } : undefined);
  for await (const i of input.items) items.push(i);
  return items;
}

describe('size policy', () => {
  it('skips a 5 MB page as too_large and keeps reading; a page just under the limit passes unchanged', async () => {
    const limit = loadConfig().ingest.maxDocumentBytes;
    expect(limit).toBe(900_000);
    const file = join(tempDir('ph-size-'), 'docs.jsonl');
    writeFileSync(file, [line('small', 500), line('huge', 5_000_000), line('near', limit - 1_000), line('after', 500)].join('\n'));
    const items = await read(file);
    expect(items.map((i) => (i.kind === 'document' ? i.doc.id : `${i.reason}@${i.where}`))).toEqual(['small', 'too_large@docs.jsonl:2', 'near', 'after']);
    const near = items[2]!;
    expect(near.kind === 'document' && near.doc.text.length).toBe(limit - 1_000);
    // The limit is configurable.
    const strict = await read(file, 10_000);
    expect(strict.filter((i) => i.kind === 'skipped').length).toBe(2);
  });

  it('the limits form a chain: ingest < web.documents < one producer message < every other page-carrying topic', () => {
    const pages = topicsFor().filter((t) => t.name.startsWith('web.documents'));
    expect(pages.map((t) => t.name).sort()).toEqual([
      'web.documents',
      'web.documents.dlq.pagefilter',
      'web.documents.pagefilter.changelog',
      'web.documents.pagefilter.route',
      'web.documents.pagefilter.route.dlq.pagefilter-bands',
      'web.documents.unique',
      'web.documents.unique.dlq.extract',
    ]);
    for (const t of pages) {
      const want = t.name === 'web.documents' ? INPUT_MAX_MESSAGE_BYTES : DOCUMENT_MAX_MESSAGE_BYTES;
      expect(t.configs['max.message.bytes'], t.name).toBe(String(want));
    }
    const LIBRDKAFKA_MESSAGE_MAX = 1_000_000; // what personahub's producers write in one message (librdkafka default)
    // ingest's largest document + registry frame + a 512-character key + batch header fits one ingest batch, and an
    // ingest batch fits the entry topic (the broker checks max.message.bytes per batch)...
    const ceiling = Config.shape.ingest.parse({ maxDocumentBytes: 930_000 }).maxDocumentBytes;
    expect(ceiling + 5 + 512 + 200).toBeLessThan(INPUT_BATCH_MAX_BYTES);
    expect(INPUT_BATCH_MAX_BYTES).toBeLessThan(INPUT_MAX_MESSAGE_BYTES);
    // ...whose largest record, wrapped in a route record (< 1 KB) or with DLQ headers (< 4 KB), is one producer message...
    expect(INPUT_MAX_MESSAGE_BYTES + 4096).toBeLessThan(LIBRDKAFKA_MESSAGE_MAX);
    // ...which every other page-carrying topic accepts.
    expect(LIBRDKAFKA_MESSAGE_MAX).toBeLessThan(DOCUMENT_MAX_MESSAGE_BYTES);
    // The configurable limit cannot be set past the entry topic.
    expect(() => loadConfigWith({ ingest: { maxDocumentBytes: INPUT_MAX_MESSAGE_BYTES } })).toThrow();
    // Topics that never carry a page keep the broker default.
    expect(topicsFor().find((t) => t.name === 'personas.unique')!.configs['max.message.bytes']).toBeUndefined();
  });
});
