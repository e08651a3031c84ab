import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTopicsAndSchemas } from '../../src/cli/prepare-cluster.js';
import { startStages, type StartedStages } from '../../src/cli/start-stages.js';
import { SAMPLE_DOCUMENTS } from '../../src/cli/commands/up.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { DLQ_HEADERS, dlqTopic, SCENARIOS, type Persona, type SyntheticSample, type WebDocument } from '../../src/contracts/index.js';
import { createKafka } from '../../src/kafka/client.js';
import { createLogger } from '../../src/logger.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { createRegistryCodec } from '../../src/registry/codec.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { DATAFLOW_TOPICS, synthTopic } from '../../src/stages/topics.js';
import type { TopicRecord } from '../../src/cli/read-topic.js';
import { expectConformingToRegistry, readAllRecords, waitFlowDrained, removePrefixedTopics } from '../support/flow-helpers.js';

/**
 * The whole dataflow on the real broker, registry and simulator, on topics of its own (random prefix):
 * documents in → pagefilter → extract → dedup ⇄ expand (maxHops 2) → six synthesize scenarios. Then every record
 * is checked against the schema registered for its topic, its provenance is followed back to an input document,
 * and the counts reconcile per stage (from the metrics) and per topic (from what is on the topics).
 */
const prefix = `e2e-df-${randomUUID().slice(0, 8)}.`;
const logger = createLogger('e2e-dataflow', process.env.PERSONAHUB_LOG_LEVEL ?? 'warn');
const DOCS = 8;

let config: Config;
let sim: Simulator;
let flow: StartedStages;

/** The first DOCS sample documents, which include the near-duplicate kayak pages (the page filter drops one). */
const inputDocs: WebDocument[] = readFileSync(SAMPLE_DOCUMENTS, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as WebDocument)
  .slice(0, DOCS);
const MALFORMED = Buffer.from('{"id": "broken-1", "url": "https://broken.example/", "text": "cut off', 'utf8');
const readAll = (topic: string) => readAllRecords(config, prefix + topic, logger);
const SCHEMA_INVALID = Buffer.from(JSON.stringify({ id: 'invalid-1', url: 'https://invalid.example/', text: '', fetchedAt: 'x', source: 'e2e' }));



/** Per-record outcomes of a stage from the processing histogram (observed once per completed record). */
async function outcomes(stage: string): Promise<Record<string, number>> {
  const values = (await flow.metrics.processingSeconds.get()).values;
  const out: Record<string, number> = {};
  for (const v of values) {
    if (v.metricName?.endsWith('_count') && v.labels.stage === stage) out[String(v.labels.outcome)] = v.value;
  }
  return out;
}

beforeAll(async () => {
  config = loadConfig();
  config.stages.extract.maxPersonas = 2;
  config.stages.expand.maxHops = 2;
  config.stages.expand.fanOut = 2;
  config.stages.expand.maxPersonasPerDocument = 8;
  config.runtime.commitIntervalMs = 200;
  await applyTopicsAndSchemas(config, prefix, logger);
  sim = await startSimulator({ port: 0 });
  config.llm.endpoint.baseUrl = sim.url;
  flow = await startStages(['all'], config, logger, { topicPrefix: prefix, http: false, signals: false });
  await Promise.all(flow.proc.stages.map((h) => h.ready));
});

afterAll(async () => {
  await flow?.proc.stop();
  await sim?.close();
  // The broker is shared: leave no topics behind.
  await removePrefixedTopics(config, prefix, logger);
});

describe('dataflow end to end (real Kafka, registry, simulator)', () => {
  it('documents in → personas (hops > 0) → all six synth topics; schemas, provenance, counts and DLQ check out', async () => {
    // ---- input: 8 documents (7 registry-framed, 1 plain JSON as kcat or a crawler writes it), one malformed and
    // one schema-invalid record -------------------------------------------------------------------------------
    const kafka = createKafka(config.kafka, { logger });
    const producer = kafka.producer({ idempotent: true });
    const codec = createRegistryCodec(createRegistryClient(config.registry));
    await producer.connect();
    const input = prefix + DATAFLOW_TOPICS.documents;
    await producer.send({
      topic: input,
      messages: [
        ...(await Promise.all(inputDocs.slice(0, 4).map(async (d) => ({ key: d.id, value: await codec.encode(input, d) })))),
        { key: 'broken-1', value: MALFORMED },
        { key: 'invalid-1', value: SCHEMA_INVALID },
        ...(await Promise.all(inputDocs.slice(4, -1).map(async (d) => ({ key: d.id, value: await codec.encode(input, d) })))),
        { key: inputDocs.at(-1)!.id, value: Buffer.from(JSON.stringify(inputDocs.at(-1))) },
      ],
    });
    await producer.disconnect();

    const snap = await waitFlowDrained(flow, { done: (snap) => SCENARIOS.every((s) => (snap.topics[synthTopic(s)] ?? 0) > 0), timeoutMs: 180_000, quietMs: 3000 });

    // ---- what is on the topics ----------------------------------------------------------------------------
    const topics = [DATAFLOW_TOPICS.uniqueDocuments, DATAFLOW_TOPICS.candidates, DATAFLOW_TOPICS.unique, ...SCENARIOS.map(synthTopic)];
    const onTopic: Record<string, TopicRecord[]> = {};
    for (const t of topics) onTopic[t] = await readAll(t);

    // Every record: registry-framed with the id of its topic's subject, and valid against that JSON Schema.
    await expectConformingToRegistry(config, prefix, onTopic);

    // Personas: hop 0 and hop > 0, every one traced back to an input document through its parents.
    const docIds = new Set(inputDocs.map((d) => d.id));
    const unique = onTopic[DATAFLOW_TOPICS.unique]!.map((r) => r.value as Persona);
    const byId = new Map(unique.map((p) => [p.id, p]));
    expect(unique.some((p) => p.hop === 0)).toBe(true);
    expect(unique.some((p) => p.hop > 0)).toBe(true);
    expect(Math.max(...unique.map((p) => p.hop))).toBeLessThanOrEqual(2);
    for (const p of unique) {
      let cur: Persona | undefined = p;
      for (let steps = 0; cur && cur.hop > 0; steps++) {
        expect(cur.relation, `persona ${cur.id} names its relation`).toBeTruthy();
        const parent: Persona | undefined = byId.get(cur.parentId ?? '');
        expect(parent, `parent of ${cur.id} is a unique persona`).toBeDefined();
        expect(parent!.hop).toBe(cur.hop - 1);
        expect(parent!.rootDocId).toBe(cur.rootDocId);
        cur = parent;
        expect(steps).toBeLessThan(3);
      }
      expect(docIds.has(p.rootDocId), `persona ${p.id} root ${p.rootDocId}`).toBe(true);
      expect(p.provenance.simulated).toBe(true);
    }
    // The per-document budget holds: no document yields more personas than maxPersonasPerDocument.
    const perDoc = new Map<string, number>();
    for (const p of onTopic[DATAFLOW_TOPICS.candidates]!.map((r) => r.value as Persona)) perDoc.set(p.rootDocId, (perDoc.get(p.rootDocId) ?? 0) + 1);
    for (const n of perDoc.values()) expect(n).toBeLessThanOrEqual(config.stages.expand.maxPersonasPerDocument);

    // Synthetic samples: all six topics, each sample's persona and lineage lead back to a unique persona and a document.
    for (const s of SCENARIOS) {
      const samples = onTopic[synthTopic(s)]!.map((r) => r.value as SyntheticSample);
      expect(samples.length, `synth.${s}`).toBeGreaterThan(0);
      for (const x of samples) {
        const p = byId.get(x.personaId);
        expect(p, `sample ${x.id} persona`).toBeDefined();
        expect(x.scenario).toBe(s);
        expect(x.lineage).toMatchObject({ rootDocId: p!.rootDocId, rootUrl: p!.rootUrl, personaHop: p!.hop });
        expect(docIds.has(x.lineage.rootDocId)).toBe(true);
        expect(x.provenance).toMatchObject({ stage: `synthesize-${s}`, simulated: true });
      }
      // Sampling rate 1: one sample per unique persona, no duplicates.
      expect(new Set(samples.map((x) => x.personaId)).size).toBe(unique.length);
      expect(samples.length).toBe(unique.length);
    }

    // ---- counts reconcile ------------------------------------------------------------------------------------
    // Per stage: every record consumed was completed exactly one way.
    for (const name of flow.names) {
      const st = snap.stages[name] ?? { in: 0, filtered: 0, deadLettered: 0 };
      const o = await outcomes(name);
      expect(st.in, `${name}: in = ok + filtered + dead-lettered`).toBe((o.ok ?? 0) + (o.filtered ?? 0) + (o.dead_lettered ?? 0));
      expect(st.filtered, `${name} filtered`).toBe(o.filtered ?? 0);
      expect(st.deadLettered, `${name} dead-lettered`).toBe(o.dead_lettered ?? 0);
    }
    // Per topic: what the stages say they committed is exactly what a read_committed consumer finds.
    for (const t of topics) expect(snap.topics[t] ?? 0, `records on ${t}`).toBe(onTopic[t]!.length);
    // Along the chain: each consumer read everything its input received.
    expect(snap.stages['extract']!.in).toBe(onTopic[DATAFLOW_TOPICS.uniqueDocuments]!.length);
    for (const s of SCENARIOS) expect(snap.stages[`synthesize-${s}`]!.in).toBe(unique.length);
    expect(snap.stages['expand']!.in).toBe(unique.length);
    // The near-duplicate kayak page was filtered before any LLM call: 8 documents, 7 unique.
    expect(onTopic[DATAFLOW_TOPICS.uniqueDocuments]!.length).toBe(DOCS - 1);
    // ...and the plain-JSON document went through like the framed ones.
    expect(onTopic[DATAFLOW_TOPICS.uniqueDocuments]!.map((r) => (r.value as WebDocument).id)).toContain(inputDocs.at(-1)!.id);
    expect(unique.some((p) => p.rootDocId === inputDocs.at(-1)!.id)).toBe(true);

    // ---- the two bad records are in the page filter's DLQ, with reasons and their original bytes ---------------
    const dlq = await readAll(dlqTopic(DATAFLOW_TOPICS.documents, 'pagefilter'));
    const byKey = new Map(dlq.map((r) => [r.key, r]));
    expect(dlq).toHaveLength(2);
    expect(byKey.get('broken-1')!.headers[DLQ_HEADERS.code]).toBe('decode_failed');
    expect(byKey.get('broken-1')!.raw!.equals(MALFORMED)).toBe(true);
    expect(byKey.get('invalid-1')!.headers[DLQ_HEADERS.code]).toBe('schema_invalid');
    expect(byKey.get('invalid-1')!.headers[DLQ_HEADERS.message]).toMatch(/text/);
    expect(byKey.get('invalid-1')!.raw!.equals(SCHEMA_INVALID)).toBe(true);
    expect(snap.deadLetteredByCode).toMatchObject({ decode_failed: 1, schema_invalid: 1 });
  });
});
