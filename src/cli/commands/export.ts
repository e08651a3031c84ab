import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { createKafka } from '../../kafka/client.js';
import { jsonCodec } from '../../runtime/json-codec.js';
import { readTopic } from '../read-topic.js';

/**
 * `personahub export --topic T --format jsonl [--out file] [--prefix P]`: write every committed record of a topic
 * (one decoded JSON value per line) and exit once caught up with the end of the topic as it was at start. For
 * trainers that want files. Records that do not decode are counted and reported on stderr, not written.
 */
export function register(program: Command): void {
  program
    .command('export')
    .description('Write a topic to JSON Lines (decoded values), exiting when caught up')
    .requiredOption('--topic <topic>', 'topic to export, e.g. synth.math')
    .option('--format <format>', 'output format (jsonl)', 'jsonl')
    .option('--out <file>', 'output file (default: stdout)')
    .option('--prefix <prefix>', 'topic prefix (as given to topics apply)', '')
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ topic: string; format: string; out?: string; prefix: string; config?: string }>();
      if (o.format !== 'jsonl') throw new InvalidArgumentError(`--format ${o.format}: only jsonl is supported`);
      const config = loadConfig(o.config);
      const kafka = createKafka(config.kafka, { clientId: `${config.kafka.clientId}-export` });
      const out: Writable = o.out ? createWriteStream(o.out) : process.stdout;
      let bad = 0;
      const written = await readTopic({
        kafka,
        codec: jsonCodec,
        topic: o.prefix + o.topic,
        fromBeginning: true,
        untilCaughtUp: true,
        onRecord: async (r) => {
          if (r.error !== undefined) {
            bad++;
            return;
          }
          if (!out.write(`${JSON.stringify(r.value)}\n`)) await once(out, 'drain');
        },
      });
      if (o.out) {
        out.end();
        await once(out, 'finish');
      }
      process.stderr.write(`exported ${written - bad} records from ${o.prefix + o.topic}${o.out ? ` to ${o.out}` : ''}${bad ? ` (${bad} undecodable, skipped)` : ''}\n`);
    });
}
