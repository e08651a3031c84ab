/**
 * One real run of the whole dataflow for the ops checks: `personahub up --once` in a child process (its /metrics
 * on a fixed port, so a private Prometheus can scrape it), on a fresh random topic prefix of the shared broker,
 * against an in-process simulator that injects faults (429 with Retry-After, 5xx, malformed JSON), so the
 * retry/error/DLQ panels have something to show. Two poison documents (not JSON; JSON but not a document) are
 * written next to the real ones so the dead-letter panel does too. Topics under the prefix are deleted after.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { createKafka } from '../../src/kafka/client.js';
import { createLogger } from '../../src/logger.js';
import { applyTopicsAndSchemas } from '../../src/cli/prepare-cluster.js';
import { ingestFile } from '../../src/cli/commands/ingest.js';
import { startSimulator } from '../../src/sim/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLE = join(ROOT, 'data/sample/documents.jsonl');

export interface DataflowRunOptions {
  /** Port of the child's /metrics (config http.port). */
  httpPort: number;
  /** JSONL of documents (default: the bundled sample). */
  documents?: string | undefined;
  /** Use only the first N documents (default 8: enough for every panel, quick on 2 cores). */
  maxDocuments?: number;
  /** Bound on the whole run. */
  timeoutSeconds?: number;
  log?: (line: string) => void;
}

export interface DataflowRun {
  prefix: string;
  startedAt: number;
  endedAt: number;
  exitCode: number | null;
  output: string;
}

/** The run's config: small expansion, a price table and a budget (so cost and budget panels have data). */
function runConfig(simUrl: string, httpPort: number, prefix: string): Record<string, unknown> {
  return {
    http: { host: '127.0.0.1', port: httpPort },
    llm: {
      endpoint: { baseUrl: simUrl, maxAttempts: 2, backoffBaseMs: 50, backoffMaxMs: 500, maxMalformedReplies: 1, breakerFailures: 1000 },
      prices: { 'personahub-sim-1': { inputPerMTok: 0.15, outputPerMTok: 0.6 } },
      budgetUsd: 50,
      // Budget and cache panels: a scenario budget far above what the run spends, and the response cache on; both
      // on topics of this run (the shared defaults are not touched).
      budgets: { scenarios: { math: { usd: 40, requests: 100_000 } }, topic: `${prefix}llm.spend` },
      cache: { mode: 'read-write', topic: `${prefix}llm.cache` },
    },
    stages: { expand: { fanOut: 2, maxHops: 1, maxPersonasPerDocument: 6 } },
  };
}

export async function runDataflowOnce(o: DataflowRunOptions): Promise<DataflowRun> {
  const log = o.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'personahub-ops-run-'));
  const prefix = `ops-${randomUUID().slice(0, 8)}.`;
  const sim = await startSimulator({
    port: 0,
    seed: 7,
    latency: { dist: 'uniform', minMs: 5, maxMs: 40 },
    faults: { rateLimited: 0.06, serverError: 0.04, malformed: 0.04, retryAfterMs: 100, retryAfterFormat: 'ms' },
  });
  const configFile = join(dir, 'personahub.yaml');
  writeFileSync(configFile, stringify(runConfig(sim.url, o.httpPort, prefix)));
  const config = loadConfig(configFile, { ...process.env, PERSONAHUB_LLM_BASE_URL: sim.url, PERSONAHUB_LLM_MODEL: 'personahub-sim-1' });
  const logger = createLogger('ops-run', 'error');
  const kafka = createKafka(config.kafka, { logger, clientId: 'personahub-ops-run' });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await applyTopicsAndSchemas(config, prefix, logger);
    const lines = readFileSync(o.documents ?? SAMPLE, 'utf8').split('\n').filter((l) => l.trim() !== '');
    const docs = join(dir, 'documents.jsonl');
    writeFileSync(docs, `${lines.slice(0, o.maxDocuments ?? 8).join('\n')}\n`);
    const ingest = await ingestFile({ file: docs, prefix, configFile, progress: false });
    log(`ingested ${ingest.produced} documents under prefix ${prefix}`);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: `${prefix}web.documents`,
      messages: [{ key: 'poison-1', value: 'not json {' }, { key: 'poison-2', value: JSON.stringify({ hello: 'no url, no text' }) }],
    });
    await producer.disconnect();

    const startedAt = Date.now();
    const args = ['bin/personahub.mjs', '-c', configFile, 'up', '--once', '--no-ingest', '--no-stack', '--prefix', prefix,
      '--timeout', String(o.timeoutSeconds ?? 240), '--quiet', '5'];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      // The env overrides win over the config file: pin the ones this run depends on (port, faulty simulator).
      env: {
        ...process.env,
        PERSONAHUB_HTTP_PORT: String(o.httpPort),
        PERSONAHUB_LLM_BASE_URL: sim.url,
        PERSONAHUB_LLM_MODEL: 'personahub-sim-1',
        PERSONAHUB_LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    let output = '';
    const collect = (b: Buffer) => {
      output = (output + b.toString()).slice(-20_000);
      for (const l of b.toString().split('\n')) if (l.startsWith('[') || l.startsWith('stages') || l.startsWith('summary')) log(l);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    // Bounded: up --once has its own --timeout; this is the backstop if it hangs on shutdown.
    const hardLimit = setTimeout(() => child.kill('SIGKILL'), ((o.timeoutSeconds ?? 240) + 60) * 1000);
    const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    clearTimeout(hardLimit);
    return { prefix, startedAt, endedAt: Date.now(), exitCode, output };
  } finally {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 }).catch(() => undefined);
    await admin.disconnect();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
