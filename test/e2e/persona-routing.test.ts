import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTopicsAndSchemas } from '../../src/cli/prepare-cluster.js';
import { startStages, type StartedStages } from '../../src/cli/start-stages.js';
import { SAMPLE_DOCUMENTS } from '../../src/cli/commands/up.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Persona, SyntheticSample, WebDocument } from '../../src/contracts/index.js';
import { createKafka } from '../../src/kafka/client.js';
import { createLogger } from '../../src/logger.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { createRegistryCodec } from '../../src/registry/codec.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { RoutingConfig, routes } from '../../src/stages/synthesize/routing.js';
import { DATAFLOW_TOPICS, synthTopic } from '../../src/stages/topics.js';
import { readAllRecords, waitFlowDrained, removePrefixedTopics } from '../support/flow-helpers.js';

/**
 * Issue #15, structured personas with routing, on the real broker and registry with the SIMULATOR: documents →
 * extract (personas with attributes) → dedup → synthesize-math routed to personas whose domain involves quantities.
 * Every persona carries attributes valid against the registered schema; exactly the unique personas the routing
 * filter accepts get a math sample, and every other one is counted as filtered `routed_out`.
 */
const prefix = `e2e-route-${randomUUID().slice(0, 8)}.`;
const logger = createLogger('e2e-routing', process.env.PERSONAHUB_LOG_LEVEL ?? 'warn');
const DOCS = 10;
const ROUTING = RoutingConfig.parse({ match: { domain: ['statistic', 'financ', 'engineer', 'econom', 'physics', 'math', 'account', 'architect'] } });

let config: Config;
let sim: Simulator;
let flow: StartedStages;

const docs: WebDocument[] = readFileSync(SAMPLE_DOCUMENTS, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as WebDocument)
  .slice(0, DOCS);

beforeAll(async () => {
  config = loadConfig();
  config.runtime.commitIntervalMs = 100;
  config.stages.extract.maxPersonas = 4;
  config.stages.synthesize.scenarios.math.routing = ROUTING;
  await applyTopicsAndSchemas(config, prefix, logger);
  sim = await startSimulator({ port: 0 });
  config.llm.endpoint.baseUrl = sim.url;
  flow = await startStages(['extract', 'dedup', 'synthesize-math'], config, logger, { topicPrefix: prefix, http: false, signals: false });
  await Promise.all(flow.proc.stages.map((h) => h.ready));
});

afterAll(async () => {
  await flow?.proc.stop();
  await sim?.close();
  await removePrefixedTopics(config, prefix, logger);
});

describe('persona attributes and scenario routing end to end (real Kafka, registry, SIMULATOR)', () => {
  it('personas carry attributes; exactly the routed personas reach synth.math, the rest are filtered routed_out', async () => {
    const producer = createKafka(config.kafka, { logger }).producer({ idempotent: true });
    const codec = createRegistryCodec(createRegistryClient(config.registry));
    const input = prefix + DATAFLOW_TOPICS.uniqueDocuments;
    await producer.connect();
    await producer.send({ topic: input, messages: await Promise.all(docs.map(async (d) => ({ key: d.id, value: await codec.encode(input, d) }))) });
    await producer.disconnect();

    const snap = await waitFlowDrained(flow, {
      done: (s) => (s.stages['extract']?.in ?? 0) === DOCS && (s.stages['synthesize-math']?.in ?? 0) > 0 && (s.stages['synthesize-math']?.in ?? 0) === (s.topics[DATAFLOW_TOPICS.unique] ?? -1),
      timeoutMs: 120_000,
      quietMs: 2000,
    });

    const candidates = await readAllRecords(config, prefix + DATAFLOW_TOPICS.candidates, logger);
    const unique = (await readAllRecords(config, prefix + DATAFLOW_TOPICS.unique, logger)).map((r) => r.value as Persona);
    const samples = (await readAllRecords(config, prefix + synthTopic('math'), logger)).map((r) => r.value as SyntheticSample<'math'>);
    expect(unique.length).toBeGreaterThan(5);

    // Attributes on every persona, consistent with its text, valid against the schema registered for the topic.
    const meta = await createRegistryClient(config.registry).getLatestSchemaMetadata(`${prefix}${DATAFLOW_TOPICS.candidates}-value`);
    const validate = new Ajv({ strict: false }).compile(JSON.parse(meta.schema!) as object);
    for (const r of candidates) {
      expect(r.raw!.readUInt32BE(1)).toBe(meta.id);
      expect(validate(r.value)).toBe(true);
      const p = r.value as Persona;
      expect(p.attributes?.occupation, p.text).toBe(/^An? (.+?) who /.exec(p.text)![1]);
      expect(p.attributes?.domain).toBeTruthy();
      expect(['novice', 'intermediate', 'expert']).toContain(p.attributes?.expertise);
    }
    // dedup forwards personas unchanged, attributes included
    for (const p of unique) expect(p.attributes).toEqual((candidates.find((r) => (r.value as Persona).id === p.id)!.value as Persona).attributes);

    const routed = unique.filter((p) => routes(p, ROUTING));
    expect(routed.length, 'some personas are routed to math').toBeGreaterThan(0);
    expect(routed.length, 'some personas are routed away from math').toBeLessThan(unique.length);
    expect(samples.map((s) => s.personaId).sort()).toEqual(routed.map((p) => p.id).sort());
    expect(snap.stages['synthesize-math']!.filteredBy).toEqual({ routed_out: unique.length - routed.length });
  });
});
