import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createServer } from 'node:net';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { applySimulatorRates } from '../../llm/config.js';
import { createLogger } from '../../logger.js';
import type { IngestSummary } from '../../ingest/types.js';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { activity, flowSnapshot, looksDrained } from '../flow-snapshot.js';
import { formatSummary, progressLine, summaryJson } from '../flow-report.js';
import { applyTopicsAndSchemas, ensureLocalStack, usesLocalStack } from '../prepare-cluster.js';
import { startStages } from '../start-stages.js';
import { realLlmProfile, startLocalRealLlm, type LocalRealLlm } from '../real-llm.js';
import { ingestFile } from './ingest.js';
import { packagePath } from '../../util/package-root.js';

/**
 * `personahub up [--once]` — the main job in one command (`npm start`):
 *  1. the local stack, when the config points at it and it is not running (deploy/local/stack.sh up);
 *  2. topics and schemas (idempotent);
 *  3. the LLM: the configured endpoint, or — when none is configured — personahub's simulator in this process,
 *     labelled as such in every line that mentions the LLM (its text is not model output); or, with --real-llm
 *     (PERSONAHUB_REAL_LLM=1), the local real model on the first --pages sample pages with one hop (src/cli/real-llm.ts);
 *  4. every stage in this process (`run all`);
 *  5. the bundled sample documents (or --input) ingested into web.documents;
 *  6. live progress per topic on stderr, then a summary on stdout (records written and consumed per topic,
 *     per-stage in/out/filtered by reason/dead-lettered, tokens and cost; `--json`: one JSON object). With --once
 *     it exits when the flow has drained (bounded by --timeout); otherwise it keeps running until Ctrl-C.
 * Exit codes (all commands): 0 done, 1 runtime failure (a stage stopped, not drained in time), 2 usage error.
 * Topics: the default names (so `personahub tail synth.math` just works), or `--prefix` / `--fresh` for a
 * separate set. Re-running on the same topics re-ingests the same documents, which the page filter drops as
 * duplicates: `npm start` therefore runs `up --once --fresh`, so the first command always shows the flow.
 */
export const SAMPLE_DOCUMENTS = packagePath('data', 'sample', 'documents.jsonl');

const seconds = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number of seconds');
  return n;
};

interface UpOptions {
  once?: boolean;
  input: string;
  ingest: boolean;
  prefix: string;
  fresh?: boolean;
  stack: boolean;
  timeout: number;
  quiet: number;
  json?: boolean;
  config?: string;
  realLlm?: boolean;
  pages?: number;
}

export function register(program: Command): void {
  program
    .command('up')
    .description('Run the whole dataflow locally: stack, topics, schemas, LLM (or simulator), all stages, sample documents, progress, summary')
    .option('--once', 'exit when the flow has drained, after the summary')
    .option('--input <file>', 'documents to ingest (JSONL or WARC/WET)', SAMPLE_DOCUMENTS)
    .option('--no-ingest', 'ingest nothing (process what is already on the topics)')
    .option('--prefix <prefix>', 'topic prefix', '')
    .option('--fresh', 'use a new topic prefix (run-<time>-<random>.) so the documents flow from scratch')
    .option('--no-stack', 'never start the local stack')
    .option('--timeout <s>', 'with --once: stop waiting after this many seconds', seconds, 600)
    .option('--quiet <s>', 'with --once: drained = caught up and no activity for this long', seconds, 4)
    .option('--json', 'print the summary as one JSON object on stdout (progress stays on stderr)')
    .option('--real-llm', 'use the local real model (scripts/real-llm: llama-cpp-python + a small Qwen2.5 GGUF, installed into the cache on first use) on a few sample pages, 1 hop; also PERSONAHUB_REAL_LLM=1')
    .option('--pages <n>', 'with --real-llm: how many sample pages to ingest', (v: string) => Math.max(1, Math.floor(seconds(v))), 2)
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<UpOptions>();
      process.exitCode = await up(o);
    });
}

/** The first `n` bundled sample pages, in a temporary JSONL file (the real-model mode runs a small sample). */
function samplePages(n: number): string {
  const lines = readFileSync(SAMPLE_DOCUMENTS, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(0, n);
  const file = join(mkdtempSync(join(tmpdir(), 'personahub-real-')), 'pages.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Whether host:port can be bound right now (a probe; the real server binds moments later). */
function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

async function up(o: UpOptions): Promise<number> {
  const started = Date.now();
  // Progress and set-up lines go to stderr; stdout carries only the summary (text, or JSON with --json).
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const logger = createLogger('personahub', process.env.PERSONAHUB_LOG_LEVEL ?? 'warn');
  const config = loadConfig(o.config);
  // Time for the reader, a random tail so two runs started in the same second never share topics.
  const prefix = o.fresh
    ? `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(2).toString('hex')}.`
    : o.prefix;

  if (o.stack && usesLocalStack(config)) ensureLocalStack(say);
  const prepared = await applyTopicsAndSchemas(config, prefix, logger);
  say(`topics and schemas: ${prepared.changed} topic(s) created or changed, ${prepared.subjects} subjects registered${prefix ? ` (prefix "${prefix}")` : ''}`);

  // The simulator stands in only when no real endpoint is configured (the default URL is the simulator's).
  let sim: Simulator | undefined;
  let real: LocalRealLlm | undefined;
  let sampleFile: string | undefined; // a temporary copy of the first pages (real-model mode), removed at the end
  let llmLabel: string;
  if (o.realLlm || process.env.PERSONAHUB_REAL_LLM === '1') {
    real = startLocalRealLlm(process.env, say);
    realLlmProfile(config, real);
    if (o.input === SAMPLE_DOCUMENTS) o.input = sampleFile = samplePages(Math.max(1, Math.floor(o.pages ?? 2)));
    if (o.timeout === 600) o.timeout = 3600;
    llmLabel = `REAL MODEL ${real.model} (llama-cpp-python at ${real.url}, local CPU; one request at a time, ${config.stages.expand.maxHops} hop)`;
  } else if (applySimulatorRates(config.llm.endpoint)) {
    // Same limits as `personahub run` against `personahub sim` (applySimulatorRates), then our own simulator.
    sim = await startSimulator({ port: 0 });
    config.llm.endpoint.baseUrl = sim.url;
    llmLabel = `SIMULATOR (personahub's built-in stand-in at ${sim.url}; outputs are simulated, not model text)`;
  } else {
    llmLabel = `${config.llm.endpoint.baseUrl} model ${config.llm.model}`;
  }
  say(`LLM: ${llmLabel}`);

  if (config.http.port !== 0 && !(await portIsFree(config.http.host, config.http.port))) {
    say(`http port ${config.http.port} is in use (another personahub process?): serving /metrics on a free port instead`);
    config.http.port = 0;
  }
  const { proc, metrics, names, inputs } = await startStages(['all'], config, logger, { topicPrefix: prefix, signals: false, http: true });
  say(`stages: ${names.join(', ')}${proc.http ? ` (metrics on http://${proc.http.host}:${proc.http.port}/metrics)` : ''}`);

  let stopRequested = false;
  const onSignal = () => {
    stopRequested = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let failed: unknown;
  proc.done.catch((e: unknown) => {
    failed = e;
  });

  let ingest: IngestSummary | undefined;
  let drained = false;
  try {
    await Promise.race([Promise.all(proc.stages.map((h) => h.ready)), proc.done]);
    if (o.ingest) {
      ingest = await ingestFile({ file: o.input, prefix, configFile: o.config, progress: false });
      say(`ingested ${o.input}: read ${ingest.read}, produced ${ingest.produced}`);
    }
    const tty = process.stderr.isTTY === true;
    let lastActivity = '';
    let quietSince = Date.now();
    let lastPrinted = 0;
    const deadline = started + o.timeout * 1000;
    while (!stopRequested && failed === undefined) {
      const snap = await flowSnapshot(metrics);
      const now = Date.now();
      const line = progressLine(snap, ingest?.produced ?? 0, now - started);
      if (tty) process.stderr.write(`\r${line}\u001b[K`);
      else if (now - lastPrinted >= 5000) {
        say(line);
        lastPrinted = now;
      }
      const act = activity(snap);
      if (act !== lastActivity) {
        lastActivity = act;
        quietSince = now;
      }
      const quietMs = now - quietSince;
      // Drained: caught up and quiet; or quiet for much longer with nothing in flight (lag can stay above one
      // offset behind aborted transactions, which no consumer ever receives).
      const caughtUp = looksDrained(snap, inputs) && quietMs >= o.quiet * 1000;
      const longQuiet = looksDrained(snap, inputs, { ignoreLag: true }) && quietMs >= o.quiet * 4000;
      if (o.once && (caughtUp || longQuiet)) {
        drained = true;
        break;
      }
      if (o.once && now > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (tty) process.stderr.write('\n');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const snap = await flowSnapshot(metrics);
    await proc.stop();
    await sim?.close();
    real?.stop();
    if (sampleFile) rmSync(dirname(sampleFile), { recursive: true, force: true });
    const summary = { ingest, prefix, llmLabel, elapsedMs: Date.now() - started, drained };
    if (o.json) process.stdout.write(`${JSON.stringify(summaryJson(snap, summary))}\n`);
    else process.stdout.write(`\n${formatSummary(snap, summary)}\n`);
  }
  if (failed !== undefined) {
    say(`stopped by an error: ${failed instanceof Error ? failed.message : String(failed)}`);
    return 1;
  }
  if (o.once && !drained) {
    say(`not drained within --timeout ${o.timeout}s`);
    return 1;
  }
  return 0;
}
