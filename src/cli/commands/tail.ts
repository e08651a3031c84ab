import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { DLQ_HEADERS, REPLAY_HEADERS } from '../../contracts/dlq.js';
import { createKafka } from '../../kafka/client.js';
import { jsonCodec } from '../../runtime/json-codec.js';
import { readTopic, type TopicRecord } from '../read-topic.js';

/**
 * `personahub tail <topic> [--from-beginning] [-n N] [--prefix P] [--json]`: print records decoded (registry-framed
 * or plain JSON), pretty-printed, with their partition/offset/key; dead-letter records show the failure reason
 * from their headers and the original bytes. Runs until Ctrl-C, or until N records were shown.
 */
const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
};

export function formatRecord(r: TopicRecord): string {
  const head = `── ${r.topic} p${r.partition} @${r.offset}  key=${r.key ?? '-'}  ${r.timestamp}`;
  const reason = r.headers[DLQ_HEADERS.code]
    ? `\n   dead-lettered by ${r.headers[DLQ_HEADERS.stage]}: ${r.headers[DLQ_HEADERS.kind]}/${r.headers[DLQ_HEADERS.code]} ` +
      `after ${r.headers[DLQ_HEADERS.attempts]} attempt(s): ${r.headers[DLQ_HEADERS.message]}`
    : '';
  const replay = r.headers[REPLAY_HEADERS.id]
    ? `\n   replayed (attempt ${r.headers[REPLAY_HEADERS.attempt]}, replay ${r.headers[REPLAY_HEADERS.id]}) from ` +
      `${r.headers[REPLAY_HEADERS.dlqTopic]} p${r.headers[REPLAY_HEADERS.dlqPartition]} @${r.headers[REPLAY_HEADERS.dlqOffset]}`
    : '';
  const body = r.error === undefined ? JSON.stringify(r.value, null, 2) : `(undecodable: ${r.error})\n${r.raw?.toString('utf8') ?? ''}`;
  return `${head}${reason}${replay}\n${body}\n`;
}

export function register(program: Command): void {
  program
    .command('tail')
    .description('Print the records of a topic, decoded and pretty-printed (DLQ records with their reason)')
    .argument('<topic>', 'topic name, e.g. personas.unique, synth.math, web.documents.dlq.pagefilter')
    .option('--from-beginning', 'start at the oldest record instead of new records only')
    .option('-n, --max <n>', 'stop after n records', count)
    .option('--prefix <prefix>', 'topic prefix (as given to topics apply)', '')
    .option('--json', 'one compact JSON value per line instead of the pretty form')
    .action(async (topic: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ fromBeginning?: boolean; max?: number; prefix: string; json?: boolean; config?: string }>();
      const config = loadConfig(o.config);
      const kafka = createKafka(config.kafka, { clientId: `${config.kafka.clientId}-tail` });
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await readTopic({
          kafka,
          codec: jsonCodec,
          topic: o.prefix + topic,
          fromBeginning: o.fromBeginning === true,
          ...(o.max !== undefined ? { limit: o.max } : {}),
          signal: abort.signal,
          onRecord: (r) => {
            process.stdout.write(o.json ? `${JSON.stringify(r.value ?? null)}\n` : formatRecord(r));
          },
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
