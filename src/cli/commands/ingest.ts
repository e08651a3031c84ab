import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../../config/load.js';
import { createKafka } from '../../kafka/client.js';
import { createRegistryClient } from '../../registry/client.js';
import { createRegistryCodec } from '../../registry/codec.js';
import { jsonCodec } from '../../runtime/json-codec.js';
import { detectFormat, openInput, type InputFormat } from '../../ingest/open.js';
import { ingestItems } from '../../ingest/produce.js';
import { SKIP_REASONS, type IngestItem, type IngestSummary } from '../../ingest/types.js';
import { DATAFLOW_TOPICS } from '../../stages/topics.js';
import { INPUT_BATCH_MAX_BYTES } from '../../../topics/types.js';

/**
 * `personahub ingest <file.jsonl|file.jsonl.gz|file.warc.gz|file.wet.gz|->`: read documents and produce them to
 * web.documents (registry-framed JSON by default, `--plain` for bare JSON), with a progress bar on a terminal and a
 * summary at the end: read, produced, skipped by reason.
 */
export function formatIngestSummary(s: IngestSummary): string {
  const skipped = SKIP_REASONS.filter((r) => s.skipped[r] > 0).map((r) => `${r}=${s.skipped[r]}`);
  const total = SKIP_REASONS.reduce((n, r) => n + s.skipped[r], 0);
  return `read=${s.read} produced=${s.produced} skipped=${total}${skipped.length ? ` (${skipped.join(' ')})` : ''}`;
}

export interface IngestFileOptions {
  file: string;
  format?: InputFormat;
  topic?: string;
  prefix?: string;
  plain?: boolean;
  configFile?: string | undefined;
  progress?: boolean;
}

/** Shown on stderr, one line each, before the rest are only counted (the summary has every count). */
const SKIPS_SHOWN = 20;

/** Pass items through, telling stderr where each skipped record was and why (nothing vanishes unseen). */
async function* reportSkips(items: AsyncIterable<IngestItem>, write: (line: string) => void): AsyncGenerator<IngestItem> {
  let skipped = 0;
  for await (const item of items) {
    if (item.kind === 'skipped' && ++skipped <= SKIPS_SHOWN) write(`ingest: skipped ${item.where}: ${item.reason}`);
    yield item;
  }
  if (skipped > SKIPS_SHOWN) write(`ingest: ... and ${skipped - SKIPS_SHOWN} more skipped (counted in the summary)`);
}

/** The body of `ingest`, reusable by `up`. */
export async function ingestFile(o: IngestFileOptions): Promise<IngestSummary> {
  const config = loadConfig(o.configFile);
  const kafka = createKafka(config.kafka, { clientId: `${config.kafka.clientId}-ingest` });
  const codec = o.plain ? jsonCodec : createRegistryCodec(createRegistryClient(config.registry));
  // Batches below web.documents' max.message.bytes, which the broker applies to a whole batch (topics/types.ts).
  const producer = kafka.producer({ idempotent: true, properties: { 'batch.size': INPUT_BATCH_MAX_BYTES } });
  const input = openInput(o.file, o.format ?? detectFormat(o.file), { maxDocumentBytes: config.ingest.maxDocumentBytes });
  const showBar = (o.progress ?? true) && process.stderr.isTTY === true && input.totalBytes !== undefined;
  const bar = showBar
    ? new SingleBar(
        { format: 'ingest [{bar}] {percentage}% | {read} read, {produced} produced, {skipped} skipped', stream: process.stderr, hideCursor: true },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(input.totalBytes ?? 1, 0, { read: 0, produced: 0, skipped: 0 });
  await producer.connect();
  try {
    const items = reportSkips(input.items, (line) => process.stderr.write(`${bar ? '\n' : ''}${line}\n`));
    return await ingestItems(items, {
      producer,
      codec,
      topic: (o.prefix ?? '') + (o.topic ?? DATAFLOW_TOPICS.documents),
      onRejected: (id, reason) => process.stderr.write(`${bar ? '\n' : ''}ingest: document ${id} not produced (produce_failed): ${reason}\n`),
      onItem: (s) =>
        bar?.update(input.bytesRead(), {
          read: s.read,
          produced: s.produced,
          skipped: SKIP_REASONS.reduce((n, r) => n + s.skipped[r], 0),
        }),
    });
  } finally {
    bar?.stop();
    await producer.disconnect();
  }
}

export function register(program: Command): void {
  program
    .command('ingest')
    .description('Produce documents from JSON Lines or gzipped WARC/WET to web.documents, with a summary')
    .argument('<file>', 'file.jsonl | file.jsonl.gz | file.warc.gz | file.wet.gz | - (stdin, JSON Lines)')
    .option('--format <format>', 'jsonl | warc (default: from the file name)')
    .option('--topic <topic>', 'target topic', DATAFLOW_TOPICS.documents)
    .option('--prefix <prefix>', 'topic prefix (as given to topics apply)', '')
    .option('--plain', 'write bare JSON instead of registry-framed JSON')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ format?: InputFormat; topic: string; prefix: string; plain?: boolean; config?: string }>();
      const started = Date.now();
      const summary = await ingestFile({
        file,
        ...(o.format ? { format: o.format } : {}),
        topic: o.topic,
        prefix: o.prefix,
        plain: o.plain === true,
        configFile: o.config,
      });
      process.stdout.write(`${formatIngestSummary(summary)} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    });
}
