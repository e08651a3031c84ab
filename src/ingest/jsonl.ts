import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { toDocument } from './document.js';
import { DEFAULT_READER_OPTIONS, type IngestItem, type ReaderOptions } from './types.js';

/** One WebDocument per non-empty line of JSON (JSON Lines); bad lines are skipped with a reason, never fatal. */
export async function* readJsonl(input: Readable, source: string, options: ReaderOptions = DEFAULT_READER_OPTIONS): AsyncGenerator<IngestItem> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    const where = `${source}:${n}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      yield { kind: 'skipped', reason: 'invalid_json', where };
      continue;
    }
    yield toDocument(raw, { source, where, now: new Date().toISOString() }, options);
  }
}
