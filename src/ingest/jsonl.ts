import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { toDocument } from './document.js';
import type { IngestItem } from './types.js';

/** One WebDocument per non-empty line of JSON (JSON Lines); bad lines are skipped with a reason, never fatal. */
export async function* readJsonl(input: Readable, source: string): AsyncGenerator<IngestItem> {
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
    yield toDocument(raw, { source, where, now: new Date().toISOString() });
  }
}
