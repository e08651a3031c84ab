import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTopicsAndSchemas } from '../../src/cli/prepare-cluster.js';
import { realLlmProfile, startLocalRealLlm, type LocalRealLlm } from '../../src/cli/real-llm.js';
import { startStages, type StartedStages } from '../../src/cli/start-stages.js';
import { SAMPLE_DOCUMENTS } from '../../src/cli/commands/up.js';
import { ingestFile } from '../../src/cli/commands/ingest.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { DLQ_HEADERS, dlqTopic, SCENARIOS, type Persona, type SyntheticSample, type WebDocument } from '../../src/contracts/index.js';
import { createLlmClient } from '../../src/llm/client.js';
import { createLogger } from '../../src/logger.js';
import { DATAFLOW_TOPICS, synthTopic } from '../../src/stages/topics.js';
import type { TopicRecord } from '../../src/cli/read-topic.js';
import { flowSnapshot, type StageCounts } from '../../src/cli/flow-snapshot.js';
import { eventually } from '../foundation/helpers.js';
import { expectConformingToRegistry, readAllRecords, waitFlowDrained, removePrefixedTopics } from '../support/flow-helpers.js';

/**
 * Every LLM stage against a REAL OpenAI-compatible server (llama-cpp-python, built from source by
 * scripts/real-llm/install.sh) with a REAL model (a small Qwen2.5 instruct GGUF from the project cache), through the
 * real runtime on the real broker and registry: documents → pagefilter → extract → dedup ⇄ expand (1 hop) → the six
 * synthesize scenarios. Asserts behaviour, not wording: every record valid against its registered schema,
 * `simulated: false`, the real model's name, provenance back to an input page, every unique persona accounted for
 * in every scenario (a sample, or a dead letter `llm_malformed_reply` when the small model failed the schema after
 * re-asks; most must be samples). Run with `npm run test:real-llm` (not part of `npm test`: minutes of CPU).
 */
const prefix = `real-llm-${randomUUID().slice(0, 8)}.`;
const logger = createLogger('real-llm', process.env.PERSONAHUB_LOG_LEVEL ?? 'warn');
// Pages from the bundled sample, tried in this order. One page goes in at a time; the next only when extract has
// ended every page so far without a persona (a dead letter: the small model's replies stayed unusable through its
// re-asks). So the scenarios run on one page's personas, and a page the model fails costs only its extract calls.
// Measured 2026-11-28 with the 0.5B (extract, 1 persona, 5 malformed replies allowed per call, pasted passages,
// single words and echoed re-ask notes rejected), a persona came on the diabetes leaflet in 5 calls of 5, the recipe
// in 5 of 6, the bird survey in 3 of 3 and the job ad in 12 of 16 (its failures: attributes looping to max_tokens,
// 5 times in a row, minutes each); the forum thread only 2 of 7 ("OP" on every attempt). One page alone made the
// test fail about once in seven runs.
const PICK = ['sample-014-diabetes-leaflet', 'sample-019-recipe-dal', 'sample-011-bird-survey', 'sample-007-clinic-vacancy'];

let config: Config;
let llm: LocalRealLlm;
let flow: StartedStages;
let dir: string;

const candidatePages: WebDocument[] = readFileSync(SAMPLE_DOCUMENTS, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as WebDocument)
  .filter((d) => PICK.includes(d.id))
  .sort((a, b) => PICK.indexOf(a.id) - PICK.indexOf(b.id));
const readAll = (topic: string) => readAllRecords(config, prefix + topic, logger);



beforeAll(async () => {
  llm = startLocalRealLlm(process.env, (l) => logger.warn(l));
  config = loadConfig();
  realLlmProfile(config, llm);
  // Small enough for minutes on 2 cores: one persona per page, one related persona each (hop 1).
  config.stages.extract.maxPersonas = 1;
  config.stages.expand.maxPersonasPerDocument = 2;
  config.runtime.commitIntervalMs = 200;
  await applyTopicsAndSchemas(config, prefix, logger);
  flow = await startStages(['all'], config, logger, { topicPrefix: prefix, http: false, signals: false });
  await Promise.all(flow.proc.stages.map((h) => h.ready));
  dir = mkdtempSync(join(tmpdir(), 'personahub-real-llm-'));
});

afterAll(async () => {
  await flow?.proc.stop();
  llm?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (!config) return;
  await removePrefixedTopics(config, prefix, logger);
});

describe('real model, real server, real runtime', () => {
  it('llm-check negotiation: llama-cpp-python refuses json_schema and honours json_object with a schema', async () => {
    const client = createLlmClient({ ...config.llm, structuredOutput: 'auto' });
    const neg = await client.structuredMode(config.llm.model);
    expect(neg.steps[0]).toMatchObject({ mode: 'json_schema', outcome: 'rejected' });
    expect(neg.mode).toBe('json_object_schema');
    await client.close();
  });

  it('pages → personas (hop 0 and 1) → all six scenarios; every record schema-valid, real, traceable; every page accounted for', async () => {
    // Pages go in one at a time until extract names a persona for one (see PICK).
    const sent: WebDocument[] = [];
    let extract: StageCounts | undefined;
    for (const doc of candidatePages) {
      const file = join(dir, `${doc.id}.jsonl`);
      writeFileSync(file, JSON.stringify(doc) + '\n');
      expect((await ingestFile({ file, prefix, progress: false })).produced).toBe(1);
      sent.push(doc);
      // Every page before this one ended without a persona, so this one has ended when extract wrote a persona or
      // ended one more page without.
      const ended = (ex: StageCounts | undefined) => ex !== undefined && (ex.out > 0 || ex.deadLettered + ex.filtered >= sent.length);
      extract = await eventually(async () => {
        const ex = (await flowSnapshot(flow.metrics)).stages['extract'];
        return ended(ex) ? ex : undefined;
      }, 15 * 60_000, `extract ending page ${doc.id}`);
      if (extract!.out > 0) break;
    }
    // Every page that gave no persona is a dead letter saying why (a small model's unusable reply), never lost.
    const extractLetters = await readAll(dlqTopic(DATAFLOW_TOPICS.uniqueDocuments, 'extract'));
    for (const r of extractLetters) logger.warn({ page: r.key, reason: r.headers[DLQ_HEADERS.message] }, 'real-model page without a persona');
    expect(extract!.out, `extract named no persona for ${sent.length} pages: ${JSON.stringify(extract)}`).toBeGreaterThan(0);
    expect(extractLetters.length + extract!.filtered, 'pages without a persona: dead letters + filtered').toBe(sent.length - 1);
    for (const r of extractLetters) {
      expect(r.headers[DLQ_HEADERS.code], 'extract dead letter').toBe('llm_malformed_reply');
      expect(String(r.headers[DLQ_HEADERS.message] ?? '')).not.toBe('');
    }

    let snap = await waitFlowDrained(flow, {
      done: (snap) => SCENARIOS.every((s) => (snap.stages[`synthesize-${s}`]?.in ?? 0) > 0),
      timeoutMs: 30 * 60_000,
      quietMs: 5000,
      everyMs: 1000,
    });
    // Drained by the metrics; then checked against what personas.unique holds: every persona on it must have reached
    // expand and ended in every scenario before the topics are judged. One run in five (2026-11-28, under load 11-17,
    // with librdkafka fetch stalls re-seeked by the runtime) read 2 personas there while the drained snapshot had
    // expand at 1 in; the snapshot is logged when that happens, so the next one shows where the persona was.
    for (;;) {
      const n = (await readAll(DATAFLOW_TOPICS.unique)).length;
      const behind = (s: typeof snap) =>
        (s.stages['expand']?.in ?? 0) < n ||
        SCENARIOS.some((sc) => {
          const c = s.stages[`synthesize-${sc}`];
          return c === undefined || c.in < n || c.out + c.deadLettered + c.filtered < n;
        });
      if (!behind(snap)) break;
      logger.warn({ unique: n, stages: snap.stages, topics: snap.topics }, 'drained by the metrics, but personas.unique holds more: waiting again');
      snap = await waitFlowDrained(flow, { done: (s) => !behind(s), timeoutMs: 15 * 60_000, quietMs: 5000, everyMs: 1000 });
    }

    const topics = [DATAFLOW_TOPICS.uniqueDocuments, DATAFLOW_TOPICS.candidates, DATAFLOW_TOPICS.unique, ...SCENARIOS.map(synthTopic)];
    const onTopic: Record<string, TopicRecord[]> = {};
    for (const t of topics) onTopic[t] = await readAll(t);

    await expectConformingToRegistry(config, prefix, onTopic);

    const docIds = new Set(sent.map((d) => d.id));
    const unique = onTopic[DATAFLOW_TOPICS.unique]!.map((r) => r.value as Persona);
    const byId = new Map(unique.map((p) => [p.id, p]));
    const hop0 = unique.filter((p) => p.hop === 0);
    expect(hop0.length).toBeGreaterThan(0);
    for (const p of unique) {
      expect(p.hop).toBeLessThanOrEqual(1);
      expect(docIds.has(p.rootDocId)).toBe(true);
      expect(p.provenance).toMatchObject({ simulated: false, model: llm.model });
      // A persona is a short description, not the page echoed back.
      const page = sent.find((d) => d.id === p.rootDocId)!.text;
      expect(p.text.trim().length).toBeGreaterThan(0);
      expect(p.text.length).toBeLessThan(page.length);
      if (p.hop === 1) expect(byId.get(p.parentId ?? '')?.hop).toBe(0);
    }
    // Expand asked the real model about every hop-0 persona (1 hop) and ended each call one of two ways: a reply
    // (a small model sometimes names only the parent again, which expand drops as a duplicate: filtered, not lost;
    // every child it did name is hop 1), or a dead letter llm_malformed_reply (its related personas stayed unusable,
    // e.g. a single word, through the re-asks: the 0.5B answered "PIC" 5 times for one leaflet persona).
    expect(snap.stages['expand']!.in).toBe(unique.length);
    const expandLetters = await readAll(dlqTopic(DATAFLOW_TOPICS.unique, 'expand'));
    for (const r of expandLetters) {
      expect(r.headers[DLQ_HEADERS.code], 'expand dead letter').toBe('llm_malformed_reply');
      expect(byId.get(String(r.key))?.hop, 'expand dead-letters only hop-0 personas (hop 1 is not expanded)').toBe(0);
      logger.warn({ persona: r.key, reason: r.headers[DLQ_HEADERS.message] }, 'real-model persona without related personas');
    }
    const expandCalls = await flow.metrics.llmRequests.get();
    const okExpand = expandCalls.values.filter((v) => v.labels.stage === 'expand' && v.labels.outcome === 'ok').reduce((n, v) => n + v.value, 0);
    expect(okExpand + expandLetters.length).toBeGreaterThanOrEqual(hop0.length);
    logger.warn({ hop0: hop0.length, hop1: unique.length - hop0.length, personas: unique.map((p) => p.text) }, 'real-model personas');

    // Every unique persona reached every scenario and ended one of two ways: a schema-valid sample from the real
    // model, or (a small model's reply that stayed schema-invalid after re-asks) a dead letter saying so. Nothing
    // else is allowed to happen to it, and most must succeed.
    for (const s of SCENARIOS) {
      const samples = onTopic[synthTopic(s)]!.map((r) => r.value as SyntheticSample);
      const dlq = await readAll(dlqTopic(DATAFLOW_TOPICS.unique, `synthesize-${s}`));
      expect(samples.length + dlq.length, `synth.${s}: samples + dead letters`).toBe(unique.length);
      expect(samples.length, `synth.${s}: most personas get a sample`).toBeGreaterThanOrEqual(Math.ceil(unique.length / 2));
      for (const r of dlq) expect(r.headers[DLQ_HEADERS.code], `synth.${s} dead letter`).toBe('llm_malformed_reply');
      expect(new Set(samples.map((x) => x.personaId)).size).toBe(samples.length);
      for (const x of samples) {
        expect(byId.has(x.personaId)).toBe(true);
        expect(x.scenario).toBe(s);
        expect(x.provenance).toMatchObject({ stage: `synthesize-${s}`, simulated: false, model: llm.model });
      }
      expect(snap.stages[`synthesize-${s}`]!.in).toBe(unique.length);
    }
    // Dead letters, if any, are only malformed replies (never a crash, a timeout or a bad request).
    // (The runtime pre-creates its decode_failed and schema_invalid counters at 0: only counts above 0 are letters.)
    const unexpected = Object.entries(snap.deadLetteredByCode).filter(([c, n]) => n > 0 && c !== 'llm_malformed_reply');
    if (unexpected.length > 0) {
      const letters: string[] = [];
      for (const [stage, input] of Object.entries(flow.inputs)) {
        const topic = dlqTopic(input, stage);
        for (const r of await readAll(topic).catch(() => [])) letters.push(`${topic}: ${JSON.stringify(r.headers)}`);
      }
      expect.fail(`unexpected dead letters ${JSON.stringify(snap.deadLetteredByCode)}:\n${letters.join('\n')}`);
    }
  });
});
