import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createTextFilter, type DupKind, type FilterOptions, type SyncMethod } from './filters.js';
import { SemanticIndex } from './semantic.js';

/**
 * Offline dedup of a JSONL file (backfills, audits): every line is a JSON object with a string `persona` or
 * `text` field; kept lines are written out byte-for-byte unchanged, in input order. First come, first kept.
 *
 * `semantic` runs as in the Persona Hub paper: exact + MinHash first, then embedding cosine among the items
 * MinHash kept (embeddings are requested in batches of `batchSize`).
 * Bad lines (not JSON, no text field) are reported with their line number and skipped, never fatal.
 */
export type OfflineMethod = SyncMethod | 'semantic';

export type Embed = (texts: string[]) => Promise<number[][]>;

export interface OfflineOptions extends Partial<FilterOptions> {
  method: OfflineMethod;
  embed?: Embed;
  semanticThreshold?: number;
  batchSize?: number;
  onBadLine?: (line: number, reason: string) => void;
}

export interface OfflineReport {
  read: number;
  kept: number;
  dropped: number;
  droppedByKind: Partial<Record<DupKind, number>>;
  bad: number;
}

export function textOf(line: string): { text: string } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { error: 'not valid JSON' };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { error: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  const t = typeof o.persona === 'string' ? o.persona : typeof o.text === 'string' ? o.text : undefined;
  if (t === undefined) return { error: 'no string "persona" or "text" field' };
  return { text: t };
}

export async function dedupJsonl(inPath: string, outPath: string, opts: OfflineOptions): Promise<OfflineReport> {
  const report: OfflineReport = { read: 0, kept: 0, dropped: 0, droppedByKind: {}, bad: 0 };
  const filter = createTextFilter(opts.method === 'semantic' ? 'minhash' : opts.method, opts);
  const semantic = opts.method === 'semantic' ? new SemanticIndex({ threshold: opts.semanticThreshold ?? 0.9 }) : undefined;
  if (semantic && !opts.embed) throw new TypeError('semantic dedup needs an embed function');
  const out = createWriteStream(outPath);
  const write = async (line: string) => {
    if (!out.write(line + '\n')) await once(out, 'drain');
  };
  const drop = (kind: DupKind) => {
    report.dropped++;
    report.droppedByKind[kind] = (report.droppedByKind[kind] ?? 0) + 1;
  };
  let pending: Array<{ line: string; text: string; id: string }> = [];
  const flushSemantic = async () => {
    if (pending.length === 0) return;
    const vectors = await opts.embed!(pending.map((p) => p.text));
    for (let i = 0; i < pending.length; i++) {
      if (semantic!.offer(vectors[i]!, pending[i]!.id) !== undefined) drop('semantic');
      else {
        report.kept++;
        await write(pending[i]!.line);
      }
    }
    pending = [];
  };

  const rl = createInterface({ input: createReadStream(inPath), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() === '') continue;
    report.read++;
    const parsed = textOf(line);
    if ('error' in parsed) {
      report.bad++;
      opts.onBadLine?.(n, parsed.error);
      continue;
    }
    const v = filter.offer(parsed.text, String(n));
    if (v.duplicate) drop(v.kind!);
    else if (semantic) {
      pending.push({ line, text: parsed.text, id: String(n) });
      if (pending.length >= (opts.batchSize ?? 64)) await flushSemantic();
    } else {
      report.kept++;
      await write(line);
    }
  }
  await flushSemantic();
  out.end();
  await once(out, 'finish');
  return report;
}
