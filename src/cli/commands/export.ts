import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { isPersonahubError } from '../../errors.js';
import type { ExportResult } from '../../export/export-topic.js';
import { hubToken } from '../../export/hub.js';
import { createKafka } from '../../kafka/client.js';

/**
 * `personahub export --topic T [--format jsonl|parquet|hf] [--out F] [--prefix P]` — a topic's committed records
 * for trainers, exiting once caught up with the end of the topic as it was at start:
 *   jsonl    one decoded JSON value per line (stdout unless --out)
 *   parquet  one Parquet file, row groups of --row-group-size, columns from the topic's zod contract (nested
 *            provenance kept as structs)
 *   hf       a Hugging Face `datasets` folder: data/<split>-NNNNN.parquet shards + README.md dataset card;
 *            --follow keeps it filling as records arrive (rolling shards, own consumer-group offsets), until
 *            Ctrl-C / SIGTERM; --push-to-hub owner/name uploads it when a token is configured.
 * Records that do not decode (or, for parquet/hf, do not satisfy the contract) are skipped and reported on stderr,
 * never altered; the exit code is then 1 so a pipeline notices.
 */
const FORMATS = ['jsonl', 'parquet', 'hf'] as const;
type Format = (typeof FORMATS)[number];

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number');
  return n;
};
const positiveInt = (v: string) => {
  const n = positive(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('a positive integer');
  return n;
};

interface ExportCliOptions {
  topic: string;
  format: string;
  out?: string;
  prefix: string;
  config?: string;
  rowGroupSize: number;
  shardRows: number;
  shardSeconds: number;
  split: string;
  license: string;
  prettyName?: string;
  follow?: boolean;
  group?: string;
  pushToHub?: string;
  hubTokenEnv: string;
}

export function register(program: Command): void {
  program
    .command('export')
    .description('Write a topic for trainers: JSON Lines, a Parquet file, or a Hugging Face datasets folder (--follow: continuously)')
    .requiredOption('--topic <topic>', 'topic to export, e.g. synth.math')
    .option('--format <format>', `output format: ${FORMATS.join(' | ')}`, 'jsonl')
    .option('--out <path>', 'output file (jsonl: default stdout; parquet: required) or folder (hf: required)')
    .option('--prefix <prefix>', 'topic prefix (as given to topics apply / shown by up --fresh)', '')
    .option('--row-group-size <n>', 'parquet/hf: rows per Parquet row group', positiveInt, 10_000)
    .option('--shard-rows <n>', 'hf: rows per shard', positiveInt, 100_000)
    .option('--shard-seconds <s>', 'hf --follow: commit a shard once its first row is this old', positive, 60)
    .option('--split <name>', 'hf: split name', 'train')
    .option('--license <id>', 'hf: licence declared in the dataset card (Hub licence identifier)', 'other')
    .option('--pretty-name <name>', 'hf: dataset card title (default: personahub <topic>)')
    .option('--follow', 'hf: keep exporting as records arrive (rolling shards) until Ctrl-C / SIGTERM')
    .option('--group <id>', 'hf --follow: consumer group its progress is committed to (default personahub.export.<topic>)')
    .option('--push-to-hub <owner/name>', 'hf: upload the folder to this Hub dataset repo when done (needs a token, see --hub-token-env)')
    .option('--hub-token-env <name>', 'environment variable holding the Hugging Face token', 'HF_TOKEN')
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<ExportCliOptions>();
      if (!(FORMATS as readonly string[]).includes(o.format)) throw new InvalidArgumentError(`--format ${o.format}: one of ${FORMATS.join(', ')}`);
      const format = o.format as Format;
      if (format !== 'jsonl' && !o.out) throw new InvalidArgumentError(`--format ${format} needs --out`);
      if (o.follow && format !== 'hf') throw new InvalidArgumentError('--follow writes rolling shards: use it with --format hf');
      if (o.pushToHub && format !== 'hf') throw new InvalidArgumentError('--push-to-hub uploads a datasets folder: use it with --format hf');
      // Refuse a push without a token before reading anything (exit 2, nothing written to the Hub).
      if (o.pushToHub) {
        try {
          hubToken(o.hubTokenEnv);
        } catch (e) {
          throw new InvalidArgumentError(isPersonahubError(e) ? e.message : String(e));
        }
      }
      const config = loadConfig(o.config);
      // Loaded here, not at start-up: Arrow and the Parquet WebAssembly module cost every other command nothing.
      const { exportHf, exportJsonl, exportParquet } = await import('../../export/export-topic.js');
      const { pushToHub } = await import('../../export/hub.js');
      const kafka = createKafka(config.kafka, { clientId: `${config.kafka.clientId}-export` });
      const physicalTopic = o.prefix + o.topic;
      const base = { kafka, topic: o.topic, physicalTopic };
      const say = (line: string) => process.stderr.write(`${line}\n`);

      let res: ExportResult;
      if (format === 'jsonl') res = await exportJsonl({ ...base, ...(o.out ? { out: o.out } : {}) });
      else if (format === 'parquet') res = await exportParquet({ ...base, out: o.out!, rowGroupSize: o.rowGroupSize });
      else {
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        if (o.follow) {
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
          say(`exporting ${physicalTopic} to ${o.out} continuously (a shard every ${o.shardRows} rows or ${o.shardSeconds}s); Ctrl-C to stop`);
        }
        try {
          res = await exportHf({
            ...base,
            out: o.out!,
            split: o.split,
            license: o.license,
            prettyName: o.prettyName ?? `personahub ${o.topic}`,
            rowGroupSize: o.rowGroupSize,
            shardRows: o.shardRows,
            shardSeconds: o.shardSeconds,
            follow: o.follow === true,
            groupId: o.group ?? `personahub.export.${physicalTopic}`,
            signal: stop.signal,
            ...(o.follow ? { onShard: (rows: number, total: number, shards: number) => say(`shard ${shards - 1}: ${rows} rows (${total} in ${shards} shards)`) } : {}),
          });
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      }
      const where = o.out ? ` to ${o.out}` : '';
      say(`exported ${res.written} records from ${physicalTopic}${where}${res.shards !== undefined ? ` (${res.shards} shards)` : ''}${res.skipped ? `; ${res.skipped} skipped:` : ''}`);
      for (const r of res.reasons) say(`  skipped ${r}`);
      if (o.pushToHub) {
        const pushed = await pushToHub({ folder: o.out!, repo: o.pushToHub, tokenEnv: o.hubTokenEnv });
        say(`pushed ${pushed.files} files to the Hub dataset ${o.pushToHub}${pushed.commit ? ` (commit ${pushed.commit})` : ''}`);
      }
      if (res.skipped > 0) process.exitCode = 1;
    });
}
