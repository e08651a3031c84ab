import { randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTopicsAndSchemas } from '../../src/cli/prepare-cluster.js';
import { startStages, type StartedStages } from '../../src/cli/start-stages.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Persona, SyntheticSample, VerifiedMathSample } from '../../src/contracts/index.js';
import { personaId } from '../../src/dedup/index.js';
import { createKafka } from '../../src/kafka/client.js';
import { createLogger } from '../../src/logger.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { createRegistryCodec } from '../../src/registry/codec.js';
import { MathSimOptions, mathClass, simulatedAnswer, startSimulator, type Simulator } from '../../src/sim/index.js';
import { DATAFLOW_TOPICS, VERIFIED_MATH_TOPIC, synthTopic } from '../../src/stages/topics.js';
import { readAllRecords, waitFlowDrained, removePrefixedTopics } from '../support/flow-helpers.js';

/**
 * Issue #15, "must show": verify-math on the real broker and registry with the SIMULATOR configured to disagree on
 * a known share of problems. Personas go to personas.unique; synthesize-math writes one problem each to synth.math
 * (the simulator states each problem's answer in its solution); verify-math solves each 3 times. The simulator
 * decides per problem, by a hash of its text, whether the attempts agree, split 2:1, disagree or agree on a wrong
 * answer; exactly the problems of the first two classes must reach synth.math.verified, the others must be
 * filtered with their reason, and the per-hop outcome counter must say the same.
 */
const prefix = `e2e-vm-${randomUUID().slice(0, 8)}.`;
const logger = createLogger('e2e-verify-math', process.env.PERSONAHUB_LOG_LEVEL ?? 'warn');
const PERSONAS = 60;
const MATH = MathSimOptions.parse({ disagreeShare: 0.25, splitShare: 0.25, wrongShare: 0.15 });

let config: Config;
let sim: Simulator;
let flow: StartedStages;

const JOBS = ['beekeeper', 'surveyor', 'pharmacist', 'rail planner', 'baker', 'ferry engineer'];
function persona(i: number): Persona {
  // A distinct leading term per persona (the simulator builds its problem from a persona's first salient terms).
  const text = `A ${JOBS[i % JOBS.length]} from Hollow${i} who keeps careful counts of ${['hives', 'parcels', 'doses', 'trains', 'loaves', 'engines'][i % 6]} and budgets`;
  return {
    id: personaId(text), text, hop: i % 3, perspective: 'read', relation: null, parentId: null, rootDocId: `doc-${i}`, rootUrl: `https://example.org/${i}`, budget: 0,
    provenance: { stage: 'extract', model: 'm', simulated: true, promptId: 'p', promptVersion: '1', params: {}, usage: { inputTokens: 1, outputTokens: 1 }, createdAt: '2026-01-01T00:00:00Z' },
  };
}

beforeAll(async () => {
  config = loadConfig();
  config.runtime.commitIntervalMs = 100;
  await applyTopicsAndSchemas(config, prefix, logger);
  sim = await startSimulator({ port: 0, math: MATH });
  config.llm.endpoint.baseUrl = sim.url;
  flow = await startStages(['synthesize-math', 'verify-math'], config, logger, { topicPrefix: prefix, http: false, signals: false });
  await Promise.all(flow.proc.stages.map((h) => h.ready));
});

afterAll(async () => {
  await flow?.proc.stop();
  await sim?.close();
  await removePrefixedTopics(config, prefix, logger);
});

describe('verify-math end to end (real Kafka, registry, SIMULATOR disagreeing on a known share)', () => {
  it('exactly the problems whose attempts agree (and match the stated solution) reach synth.math.verified', async () => {
    const producer = createKafka(config.kafka, { logger }).producer({ idempotent: true });
    const codec = createRegistryCodec(createRegistryClient(config.registry));
    const input = prefix + DATAFLOW_TOPICS.unique;
    await producer.connect();
    const personas = Array.from({ length: PERSONAS }, (_, i) => persona(i));
    await producer.send({ topic: input, messages: await Promise.all(personas.map(async (p) => ({ key: p.id, value: await codec.encode(input, p) }))) });
    await producer.disconnect();

    const snap = await waitFlowDrained(flow, {
      done: (s) => (s.topics[synthTopic('math')] ?? 0) === PERSONAS && (s.stages['verify-math']?.in ?? 0) === PERSONAS,
      timeoutMs: 120_000,
      quietMs: 1500,
    });

    const samples = (await readAllRecords(config, prefix + synthTopic('math'), logger)).map((r) => r.value as SyntheticSample<'math'>);
    const verifiedRecords = await readAllRecords(config, prefix + VERIFIED_MATH_TOPIC, logger);
    const verified = verifiedRecords.map((r) => r.value as VerifiedMathSample);
    // Registry-framed with the id of synth.math.verified-value, valid against that JSON Schema.
    const meta = await createRegistryClient(config.registry).getLatestSchemaMetadata(`${prefix}${VERIFIED_MATH_TOPIC}-value`);
    const validate = new Ajv({ strict: false }).compile(JSON.parse(meta.schema!) as object);
    for (const r of verifiedRecords) {
      expect(r.raw!.readUInt32BE(1)).toBe(meta.id);
      expect(validate(r.value)).toBe(true);
    }
    expect(samples).toHaveLength(PERSONAS);

    // The expectation, from the simulator's documented classes of each problem actually written to synth.math.
    const classOf = new Map(samples.map((s) => [s.id, mathClass(s.output.problem, MATH)]));
    const count = (c: string) => [...classOf.values()].filter((x) => x === c).length;
    for (const c of ['agree', 'split', 'disagree', 'wrong']) expect(count(c), `problems of class ${c}`).toBeGreaterThan(0);
    const expected = samples.filter((s) => ['agree', 'split'].includes(classOf.get(s.id)!)).map((s) => s.id).sort();

    expect(verified.map((v) => v.id).sort()).toEqual(expected);
    expect(new Set(verified.map((v) => v.id)).size).toBe(verified.length);
    const bySample = new Map(samples.map((s) => [s.id, s]));
    for (const v of verified) {
      const s = bySample.get(v.id)!;
      expect(v.output).toEqual(s.output);
      expect(v.lineage).toEqual(s.lineage);
      expect(v.verification.attempts).toBe(3);
      expect(v.verification.agreeing).toBe(classOf.get(v.id) === 'agree' ? 3 : 2);
      expect(v.verification.answer).toBe(String(simulatedAnswer(s.output.problem)));
      expect(v.verification.statedAnswer).toBe(v.verification.answer);
      expect(v.verification.simulated).toBe(true);
    }

    // The rest were filtered with their reasons, nothing dead-lettered, and the per-hop outcome counter agrees.
    expect(snap.stages['verify-math']!.filteredBy).toEqual({ answers_disagree: count('disagree'), solution_mismatch: count('wrong') });
    expect(snap.stages['verify-math']!.deadLettered).toBe(0);
    const outcomes: Record<string, number> = {};
    for (const v of (await flow.metrics.mathVerifications.get()).values) outcomes[`${v.labels.outcome}`] = (outcomes[`${v.labels.outcome}`] ?? 0) + v.value;
    expect(outcomes).toEqual({ verified: expected.length, disagree: count('disagree'), mismatch: count('wrong') });
    const hops = new Set((await flow.metrics.mathVerifications.get()).values.map((v) => String(v.labels.hop)));
    expect(hops).toEqual(new Set(['0', '1', '2']));
  });
});
