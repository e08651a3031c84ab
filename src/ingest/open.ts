import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { fatal } from '../errors.js';
import { readJsonl } from './jsonl.js';
import { readWarc } from './warc.js';
import { DEFAULT_READER_OPTIONS, type IngestItem, type ReaderOptions } from './types.js';

export type InputFormat = 'jsonl' | 'warc';

/** Format from the file name: *.warc[.gz] and *.wet[.gz] are WARC, everything else (and `-`) JSON Lines. */
export function detectFormat(path: string): InputFormat {
  return /\.(warc|wet)(\.gz)?$/i.test(path) ? 'warc' : 'jsonl';
}

export interface OpenedInput {
  items: AsyncGenerator<IngestItem>;
  /** Total bytes of the file, when known (not for stdin): the progress bar's 100%. */
  totalBytes: number | undefined;
  /** Bytes of the file read so far. */
  bytesRead(): number;
}

/**
 * Open a file (or `-` for stdin) as a stream of ingest items. Gzipped JSON Lines (*.jsonl.gz) are gunzipped here;
 * WARC/WET gzip is per record and handled by the WARC parser.
 */
export function openInput(path: string, format: InputFormat = detectFormat(path), options: ReaderOptions = DEFAULT_READER_OPTIONS): OpenedInput {
  let raw: Readable;
  let totalBytes: number | undefined;
  if (path === '-') {
    raw = process.stdin;
  } else {
    try {
      totalBytes = statSync(path).size;
    } catch (cause) {
      throw fatal('config_invalid', `cannot read input file ${path}`, { cause });
    }
    raw = createReadStream(path);
  }
  let bytes = 0;
  const counter = new PassThrough();
  raw.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  raw.pipe(counter);
  const source = path === '-' ? 'stdin' : basename(path);
  const stream = format === 'jsonl' && /\.gz$/i.test(path) ? counter.pipe(createGunzip()) : counter;
  const items = format === 'warc' ? readWarc(stream, source, options) : readJsonl(stream, source, options);
  return { items, totalBytes, bytesRead: () => bytes };
}
