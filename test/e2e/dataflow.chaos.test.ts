import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTopicsAndSchemas } from '../../src/cli/prepare-cluster.js';
import { SAMPLE_DOCUMENTS } from '../../src/cli/commands/up.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { SCENARIOS, type WebDocument } from '../../src/contracts/index.js';
import { generateDocumentSet } from '../../src/dedup/eval/documents.js';
import { wordJaccard } from '../../src/dedup/minhash.js';
import { createKafka, type Admin, type KafkaClient } from '../../src/kafka/client.js';
import { readToEnd } from '../../src/kafka/read-to-end.js';
import { createLogger } from '../../src/logger.js';
import { jsonCodec } from '../../src/runtime/json-codec.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { DATAFLOW_TOPICS, synthTopic } from '../../src/stages/topics.js';
import { topicsFor } from '../../topics/index.js';
import { privateStack, type PrivateStack } from './private-stack.js';

/**
 * Exactly-once under crashes and outages, on the whole dataflow: ≥ 1,000 documents through every stage, run as six
 * `personahub run` processes on a Kafka and registry of the test's own (ports CHAOS_STACK_BASE_PORT, default 29192,
 * to +3; the processes' /metrics on +100 to +105), while the test
 *   - SIGKILLs random stage processes at random moments (CHAOS_DATAFLOW_KILLS, default 20) and restarts them, plus
 *     the dedup process once while the registry is down (its restarted store restore must wait for the registry),
 *   - stops the broker for 32 s, and
 *   - stops the (in-memory) registry for 60 s, so it comes back empty; the stages wait until the subjects are registered
 *     again (`personahub schemas register`, as an operator would), which gives them their former ids.
 * Then it waits until every consumer group has committed everything, reads every topic read_committed and counts:
 *   - personas.unique: no id twice; every synth.<scenario> topic: exactly one sample per unique persona
 *     (lost = a unique persona without its sample, duplicates = samples beyond the first);
 *   - no dead letters anywhere (an outage never dead-letters a valid record);
 *   - every process alive and ready at the end (none exited by itself, none a zombie), and each ends cleanly on
 *     SIGTERM.
 */
const KILLS = Number(process.env.CHAOS_DATAFLOW_KILLS ?? 20);
const OUTAGE_MS = 32_000;
const REGISTRY_OUTAGE_MS = 60_000;
const BIN = fileURLToPath(new URL('../../bin/personahub.mjs', import.meta.url));
const logger = createLogger('dataflow-chaos', process.env.PERSONAHUB_LOG_LEVEL ?? 'warn');
const prefix = `chaos-df-${randomUUID().slice(0, 8)}.`;
/** Every stage process' stderr (info level), appended across restarts, and the test's own events: kept for a failed run. */
const LOG_DIR = mkdtempSync(join(tmpdir(), 'personahub-chaos-logs-'));
const say = (s: string) => {
  process.stdout.write(`[chaos] ${s}\n`);
  appendFileSync(join(LOG_DIR, 'events.log'), `${new Date().toISOString()} ${s}\n`);
};

/** Stage processes: which stages each runs (`run dedup` / `run pagefilter` also run their `-bands` half). */
const GROUPS: string[][] = [
  ['pagefilter'],
  ['extract'],
  ['dedup'],
  ['expand'],
  SCENARIOS.slice(0, 3).map((s) => `synthesize-${s}`),
  SCENARIOS.slice(3).map((s) => `synthesize-${s}`),
];

interface Supervised {
  index: number;
  stages: string[];
  port: number;
  proc: ChildProcess;
  exited: Promise<number | null>;
  /** Exits the test did not cause (crashes, fatal errors). */
  unexpectedExits: number;
  stderr: string;
}

let stack: PrivateStack;
let sim: Simulator;
let config: Config;
let configFile: string;
let client: KafkaClient;
let admin: Admin;
const procs: Supervised[] = [];
let supervising = true;
/** Cleared when the test passed: the logs of a failed run stay in LOG_DIR. */
let keepLogs = true;

function spawnStage(s: Pick<Supervised, 'index' | 'stages' | 'port'>): Supervised {
  const proc = spawn(process.execPath, [BIN, 'run', ...s.stages, '--prefix', prefix, '-c', configFile], {
    // The environment's overrides (CI exports the shared stack's addresses) must not point the processes elsewhere.
    env: {
      ...process.env,
      PERSONAHUB_HTTP_PORT: String(s.port),
      PERSONAHUB_LOG_LEVEL: 'info',
      PERSONAHUB_CONFIG: configFile,
      PERSONAHUB_KAFKA_BROKERS: stack.brokers,
      PERSONAHUB_REGISTRY_URL: stack.registryUrl,
      PERSONAHUB_LLM_BASE_URL: sim.url,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const sup: Supervised = { ...s, proc, exited: new Promise((r) => proc.on('exit', (code) => r(code))), unexpectedExits: 0, stderr: '' };
  proc.stderr!.on('data', (c: Buffer) => {
    sup.stderr = (sup.stderr + c.toString()).slice(-20_000);
    appendFileSync(join(LOG_DIR, `proc-${s.index}.log`), c);
  });
  return sup;
}

/** Keep each stage process running: a process that ends by itself is counted and restarted. */
function supervise(i: number, killedByTest: Set<ChildProcess>): void {
  const current = procs[i]!;
  void current.exited.then(async () => {
    if (!supervising) return;
    const unexpected = !killedByTest.has(current.proc);
    if (unexpected) say(`process ${i} (${current.stages.join(',')}) exited by itself: ${current.stderr.split('\n').slice(-5).join(' | ')}`);
    if (unexpected) await new Promise((r) => setTimeout(r, 1_000)); // no tight restart loop on a persistent error
    const next = spawnStage(current);
    next.unexpectedExits = current.unexpectedExits + (unexpected ? 1 : 0);
    procs[i] = next;
    supervise(i, killedByTest);
  });
}

async function readyz(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) })).status === 200;
  } catch {
    return false;
  }
}

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs: number, everyMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every stage group has committed past the last committed record of its input (markers after it don't count). */
async function drained(): Promise<boolean> {
  const inputs: Array<{ group: string; topic: string }> = [
    { group: 'pagefilter', topic: DATAFLOW_TOPICS.documents },
    { group: 'extract', topic: DATAFLOW_TOPICS.uniqueDocuments },
    { group: 'dedup', topic: DATAFLOW_TOPICS.candidates },
    { group: 'expand', topic: DATAFLOW_TOPICS.unique },
    ...SCENARIOS.map((s) => ({ group: `synthesize-${s}`, topic: DATAFLOW_TOPICS.unique })),
  ];
  const routes = topicsFor({ prefix }).filter((t) => t.baseName.endsWith('.route'));
  for (const r of routes) inputs.push({ group: r.baseName.startsWith('personas') ? 'dedup-bands' : 'pagefilter-bands', topic: r.baseName });
  for (const { group, topic } of inputs) {
    const physical = prefix + topic;
    const last = new Map<number, number>();
    await readToEnd({ client, topic: physical, onRecord: (r) => void last.set(r.partition, r.offset) });
    const [offsets] = await admin.fetchOffsets({ groupId: `${prefix}personahub.${group}`, topics: [physical] });
    for (const [partition, offset] of last) {
      const committed = Number(offsets?.partitions.find((p: { partition: number }) => p.partition === partition)?.offset ?? -1);
      if (committed < offset + 1) return false;
    }
  }
  return true;
}

async function readValues(topic: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  await readToEnd({
    client,
    topic: prefix + topic,
    onRecord: async (r) => void out.push({ ...((await jsonCodec.decode(topic, r.value!)) as Record<string, unknown>), _at: `${r.partition}:${r.offset}@${new Date(Number(r.timestamp)).toISOString()}` }),
  });
  return out;
}

let configDir: string | undefined;

describe('dataflow chaos: SIGKILLs, a broker outage and an empty registry restart', () => {
  beforeAll(async () => {
    stack = privateStack(Number(process.env.CHAOS_STACK_BASE_PORT ?? 29192));
    stack.up('kafka', 'registry');
    sim = await startSimulator({ port: 0 });
    configDir = mkdtempSync(join(tmpdir(), 'personahub-chaos-'));
    configFile = join(configDir, 'config.yaml');
    writeFileSync(
      configFile,
      stringify({
        kafka: { brokers: [stack.brokers] },
        registry: { url: stack.registryUrl },
        llm: { endpoint: { baseUrl: sim.url, requestsPerMinute: 1_000_000 } },
        runtime: { commitIntervalMs: 100, transactionTimeoutMs: 10_000, shutdownTimeoutMs: 10_000 },
        stages: { extract: { minPersonas: 1, maxPersonas: 2 }, expand: { maxHops: 1, fanOut: 1 } },
      }),
    );
    config = loadConfig(configFile, {});
    client = createKafka(config.kafka, { logger });
    admin = client.admin();
    await admin.connect();
    await applyTopicsAndSchemas(config, prefix, logger);
  }, 600_000);

  afterAll(async () => {
    supervising = false;
    for (const p of procs) p.proc.kill('SIGKILL');
    await admin?.disconnect().catch(() => undefined);
    await sim?.close();
    stack?.dispose();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
    if (keepLogs) process.stdout.write(`[chaos] logs kept in ${LOG_DIR}\n`);
    else rmSync(LOG_DIR, { recursive: true, force: true });
  }, 300_000);

  it('lost=0 duplicates=0 on personas.unique and every synth topic; no dead letter; no zombie', async () => {
    // ≥ 1,000 documents: the bundled sample plus seeded synthetic pages (with mirrors and syndicated copies, which
    // the page filter drops), written registry-framed by an idempotent producer.
    const sample = readFileSync(SAMPLE_DOCUMENTS, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as WebDocument);
    const synthetic: WebDocument[] = generateDocumentSet({ seed: 11, articles: 420 }).map((d) => ({
      id: `chaos-${d.id}`,
      url: `https://pages.example/${d.id}`,
      text: d.text,
      fetchedAt: new Date(0).toISOString(),
      source: 'chaos-test',
    }));
    const docs = [...sample, ...synthetic];
    expect(docs.length).toBeGreaterThanOrEqual(1_000);
    const { createRegistryCodec } = await import('../../src/registry/codec.js');
    const { createRegistryClient } = await import('../../src/registry/client.js');
    const codec = createRegistryCodec(createRegistryClient(config.registry));
    const producer = client.producer({ idempotent: true });
    await producer.connect();
    const input = prefix + DATAFLOW_TOPICS.documents;
    for (let i = 0; i < docs.length; i += 200) {
      const batch = await Promise.all(docs.slice(i, i + 200).map(async (d) => ({ key: d.id, value: await codec.encode(input, d) })));
      await producer.send({ topic: input, messages: batch });
    }
    await producer.disconnect();
    say(`${docs.length} documents in`);

    const killedByTest = new Set<ChildProcess>();
    GROUPS.forEach((stages, index) => procs.push(spawnStage({ index, stages, port: stack.kafkaPort + 100 + index })));
    procs.forEach((_, i) => supervise(i, killedByTest));
    await waitFor('every process ready', async () => (await Promise.all(procs.map((p) => readyz(p.port)))).every(Boolean), 240_000);
    say('all stage processes ready');

    const killRandom = async (k: number) => {
      const victim = procs[Math.floor(Math.random() * procs.length)]!;
      killedByTest.add(victim.proc);
      victim.proc.kill('SIGKILL');
      await victim.exited;
      say(`kill ${k}/${KILLS}: process ${victim.index} (${victim.stages.join(',')})`);
    };
    let k = 0;
    const killBurst = async (n: number) => {
      for (let i = 0; i < n && k < KILLS; i++) {
        await new Promise((r) => setTimeout(r, 500 + Math.random() * 3_000));
        await killRandom(++k);
      }
    };

    await killBurst(Math.ceil(KILLS / 3));
    say('broker down');
    stack.down('kafka');
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    stack.up('kafka');
    say(`broker back after ${OUTAGE_MS / 1000} s`);
    await killBurst(Math.ceil(KILLS / 3));
    say('registry down for 60 s');
    stack.down('registry');
    // One kill on purpose while the registry is away: the restarted dedup process must restore its state store
    // without the registry (a restore that skipped undecodable entries once let 20 exact duplicates through).
    await new Promise((r) => setTimeout(r, 5_000));
    const dedup = procs[GROUPS.findIndex((g) => g.includes('dedup'))]!;
    killedByTest.add(dedup.proc);
    dedup.proc.kill('SIGKILL');
    await dedup.exited;
    say('killed the dedup process during the registry outage');
    await new Promise((r) => setTimeout(r, REGISTRY_OUTAGE_MS - 5_000));
    stack.up('registry');
    say('registry back, empty');
    // The stages wait (not-ready, "run `personahub schemas register`") until the operator re-registers the
    // subjects: one pass in the canonical order gives the new registry the ids already framed in the topics.
    await new Promise((r) => setTimeout(r, 5_000));
    const register = spawnSync(process.execPath, [BIN, 'schemas', 'register', '--prefix', prefix, '-c', configFile], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PERSONAHUB_KAFKA_BROKERS: stack.brokers, PERSONAHUB_REGISTRY_URL: stack.registryUrl },
    });
    expect(register.status, register.stderr).toBe(0);
    say('schemas registered again');
    await killBurst(KILLS);
    expect(k).toBe(KILLS);

    await waitFor('dataflow drained', async () => (await drained()) && (await drained()), 900_000, 3_000);
    await waitFor('every process ready after the faults', async () => (await Promise.all(procs.map((p) => readyz(p.port)))).every(Boolean), 120_000);
    const unexpected = procs.reduce((n, p) => n + p.unexpectedExits, 0);
    const alive = procs.filter((p) => p.proc.exitCode === null && p.proc.signalCode === null).length;

    const unique = await readValues(DATAFLOW_TOPICS.unique);
    const uniqueIds = unique.map((p) => String(p.id));
    const uniqueSet = new Set(uniqueIds);
    // Diagnostics for a failed run: where each duplicated persona sits on personas.unique (partition:offset@time).
    const dupIds = [...new Set(uniqueIds.filter((id, i) => uniqueIds.indexOf(id) !== i))];
    for (const id of dupIds.slice(0, 10)) say(`duplicate ${id}: ${unique.filter((p) => String(p.id) === id).map((p) => String(p._at)).join(' ')}`);
    if (dupIds.length > 0) say(`logs of every stage process: ${LOG_DIR}`);
    const report: Record<string, { records: number; lost: number; duplicates: number }> = {
      'personas.unique': { records: unique.length, lost: 0, duplicates: uniqueIds.length - uniqueSet.size },
    };
    for (const s of SCENARIOS) {
      const samples = await readValues(synthTopic(s));
      const perPersona = new Map<string, number>();
      for (const x of samples) perPersona.set(String(x.personaId), (perPersona.get(String(x.personaId)) ?? 0) + 1);
      let lost = 0;
      let duplicates = 0;
      for (const id of uniqueSet) {
        const c = perPersona.get(id) ?? 0;
        if (c === 0) lost++;
        else duplicates += c - 1;
      }
      report[synthTopic(s)] = { records: samples.length, lost, duplicates };
    }
    // Counts reconciled per stage, from what is on the topics (metrics die with killed processes):
    //   extract / expand: pages without a hop-0 candidate and hop-0 personas without a child are reported, not
    //            asserted: a stage may filter them with a named reason (no_result, ...), counted only in the metrics
    //            of processes this test kills;
    //   dedup:   every candidate is on personas.unique or dropped as an exact / near-duplicate of one kept there
    //            (or of a "ghost", the documented routing cost: docs/dedup.md), so none vanished.
    const pages = await readValues(DATAFLOW_TOPICS.uniqueDocuments);
    const candidates = await readValues(DATAFLOW_TOPICS.candidates);
    const childrenOf = new Map<string, number>();
    const hop0ByDoc = new Map<string, number>();
    for (const c of candidates) {
      if (c.hop === 0) hop0ByDoc.set(String(c.rootDocId), (hop0ByDoc.get(String(c.rootDocId)) ?? 0) + 1);
      if (c.parentId) childrenOf.set(String(c.parentId), (childrenOf.get(String(c.parentId)) ?? 0) + 1);
    }
    const extractMissing = pages.filter((d) => String(d.text).length >= config.stages.extract.minTextChars && !hop0ByDoc.has(String(d.id))).length;
    const expandMissing = unique.filter((p) => p.hop === 0 && !childrenOf.has(String(p.id))).length;
    // A drop is explained by a kept persona within the filter's threshold (word Jaccard >= 0.9), or — the routing
    // cost of the streaming filter, docs/dedup.md — by a "ghost", then still within 2(1 - 0.9) = 0.2 of a kept one:
    // Jaccard >= 0.8. A drop with no kept persona that close would be a persona lost.
    const threshold = config.dedup.personas.threshold;
    const keptTexts = unique.map((p) => String(p.text));
    let explained = 0;
    let ghosts = 0;
    let unexplained = 0;
    const droppedCandidates = candidates.filter((c) => !uniqueSet.has(String(c.id)));
    for (const c of droppedCandidates) {
      const best = Math.max(0, ...keptTexts.map((t) => wordJaccard(String(c.text), t)));
      if (best >= threshold) explained++;
      else if (best >= 1 - 2 * (1 - threshold)) ghosts++;
      else unexplained++;
    }
    say(`documents=${docs.length} pages=${pages.length} candidates=${candidates.length} unique=${unique.length} dropped=${droppedCandidates.length} (${explained} near-duplicates of kept, ${ghosts} within the ghost bound, ${unexplained} unexplained) extract-missing=${extractMissing} expand-missing=${expandMissing}`);

    let deadLetters = 0;
    for (const t of topicsFor({ prefix }).filter((x) => x.name.includes('.dlq.'))) {
      await readToEnd({
        client,
        topic: t.name,
        onRecord: (r) => {
          deadLetters++;
          say(`dead letter on ${t.baseName}: ${r.headers['personahub.error.code']}: ${r.headers['personahub.error.message']}`);
        },
      });
    }
    for (const [t, r] of Object.entries(report)) say(`${t.padEnd(20)} records=${r.records} lost=${r.lost} duplicates=${r.duplicates}`);
    say(`kills=${KILLS} broker outage=${OUTAGE_MS / 1000}s registry outage=${REGISTRY_OUTAGE_MS / 1000}s (back empty) dead letters=${deadLetters} unexpected exits=${unexpected} alive=${alive}/${procs.length}`);

    // Clean end: SIGTERM drains and exits 0, within the shutdown bound (no process lingers).
    supervising = false;
    const codes = await Promise.all(
      procs.map(async (p) => {
        p.proc.kill('SIGTERM');
        return Promise.race([p.exited, new Promise((r) => setTimeout(() => r('still running'), 45_000))]);
      }),
    );

    procs.forEach((p, i) => {
      if (codes[i] !== 0) say(`process ${p.index} (${p.stages.join(',')}) ended ${String(codes[i])} on SIGTERM: ${p.stderr.split('\n').slice(-12).join(' | ')}`);
    });

    expect(pages.length).toBeGreaterThan(500);
    expect(unique.length).toBeGreaterThan(20);
    expect(unexplained, 'dedup drops with no kept persona within the ghost bound (a lost persona)').toBe(0);
    for (const [t, r] of Object.entries(report)) expect({ topic: t, lost: r.lost, duplicates: r.duplicates }).toEqual({ topic: t, lost: 0, duplicates: 0 });
    expect(deadLetters).toBe(0);
    expect(unexpected).toBe(0);
    expect(alive).toBe(procs.length);
    expect(codes).toEqual(procs.map(() => 0));
    keepLogs = false;
  }, 1_800_000);
});
