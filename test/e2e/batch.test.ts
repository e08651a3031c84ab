import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { applyTopicsAndSchemas } from '../../src/cli/prepare-cluster.js';
import { startStages, type StartedStages } from '../../src/cli/start-stages.js';
import { loadConfig } from '../../src/config/load.js';
import type { Persona } from '../../src/contracts/persona.js';
import type { SyntheticSample as AnySample } from '../../src/contracts/synthetic.js';

type SyntheticSample = AnySample<'math'>;
import { personaId } from '../../src/dedup/index.js';
import { createKafka } from '../../src/kafka/client.js';
import { createLogger } from '../../src/logger.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { DATAFLOW_TOPICS, synthTopic } from '../../src/stages/topics.js';
import { readAllRecords, removePrefixedTopics } from '../support/flow-helpers.js';

/**
 * Issue #13, "must show": a synthesis scenario in batch mode (`llm.scenarios.math.mode: batch`) processes 240
 * personas through the simulator's /v1/files + /v1/batches, where batch #2 fails outright, batch #3 partially fails
 * (lines in its error file) and batch #5 expires half done. Only what failed is sent again; every persona ends up
 * with exactly one sample on synth.math (read_committed), no online chat request is made, and the cost is charged
 * at the batch price.
 */
const prefix = `e2e-batch-${randomUUID().slice(0, 8)}.`;
const logger = createLogger('e2e-batch', process.env.PERSONAHUB_LOG_LEVEL ?? 'warn');
const PERSONAS = 240;
const base = loadConfig();
let sim: Simulator | undefined;
let flow: StartedStages | undefined;

function persona(i: number): Persona {
  const text = `A lighthouse keeper number ${i} who logs storms and ship sightings`;
  return {
    id: personaId(text), text, hop: 0, perspective: 'read', relation: null, parentId: null, rootDocId: `doc-${i}`, rootUrl: `https://example.org/${i}`, budget: 3,
    provenance: { stage: 'extract', model: 'm', simulated: true, promptId: 'p', promptVersion: '1', params: {}, usage: { inputTokens: 1, outputTokens: 1 }, createdAt: '2026-01-01T00:00:00Z' },
  };
}

async function samples(): Promise<SyntheticSample[]> {
  return (await readAllRecords(base, prefix + synthTopic('math'), logger)).map((r) => r.value as SyntheticSample);
}

const sum = async (c: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }, match: Record<string, unknown> = {}) =>
  (await c.get()).values.filter((v) => Object.entries(match).every(([k, w]) => v.labels[k] === w)).reduce((n, v) => n + v.value, 0);

afterAll(async () => {
  await flow?.proc.stop();
  await sim?.close();
  await removePrefixedTopics(base, prefix, logger);
});

describe('synthesis in batch mode (real broker, simulator Batch API)', () => {
  it(`${PERSONAS} personas through batches with a failed, a partially failed and an expired batch: one sample each`, { timeout: 300_000 }, async () => {
    sim = await startSimulator({ port: 0, batch: { completeAfterMs: 300, fail: [2], partial: [3], expire: [5], lineErrorRate: 0.25 } });
    const config = structuredClone(base);
    config.runtime.commitIntervalMs = 200;
    config.runtime.maxInFlight = 64;
    config.llm.endpoint.baseUrl = sim.url;
    config.llm.structuredOutput = 'json_schema';
    config.llm.cache.topic = `${prefix}llm.cache`;
    config.llm.budgets.topic = `${prefix}llm.spend`;
    config.llm.scenarios = { math: { mode: 'batch' } };
    config.llm.batch = { maxRequests: 40, maxAgeMs: 500, pollMs: 100, maxRequeues: 5, completionWindow: '24h' };
    config.llm.prices = { 'personahub-sim-1': { inputPerMTok: 1, outputPerMTok: 4, batchDiscount: 0.5 } };
    await applyTopicsAndSchemas(config, prefix, logger);
    flow = await startStages(['synthesize-math'], config, logger, { topicPrefix: prefix, http: false, signals: false });
    await Promise.all(flow.proc.stages.map((h) => h.ready));

    const producer = createKafka(base.kafka, { logger }).producer({ idempotent: true });
    await producer.connect();
    const ps = Array.from({ length: PERSONAS }, (_, i) => persona(i));
    await producer.send({ topic: prefix + DATAFLOW_TOPICS.unique, messages: ps.map((p) => ({ key: p.id, value: JSON.stringify(p) })) });
    await producer.disconnect();

    const deadline = Date.now() + 180_000;
    let got = await samples();
    while (got.length < PERSONAS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      got = await samples();
    }
    await new Promise((r) => setTimeout(r, 1_000)); // anything extra (a duplicate) would have landed by now
    got = await samples();

    const b = sim.batchStats();
    const m = flow.metrics;
    console.info(`batch e2e: ${JSON.stringify(b)}; lines ok ${await sum(m.llmBatchLines, { outcome: 'ok' })}, requeued ${await sum(m.llmBatchLines, { outcome: 'requeued' })}`);
    // Exactly once: one sample per persona, nothing twice.
    expect(got.length).toBe(PERSONAS);
    expect(new Set(got.map((s) => s.personaId))).toEqual(new Set(ps.map((p) => p.id)));
    expect(got.every((s) => s.provenance.simulated && s.output.problem.length > 0)).toBe(true);
    // Only through batches, with the failures as configured, and only the failed requests sent again.
    expect(sim.stats().requests.chat).toBe(0);
    expect(b).toMatchObject({ failed: 1, partial: 1, expired: 1 });
    expect(b.lineErrors).toBeGreaterThan(0);
    expect(await sum(m.llmBatchLines, { outcome: 'failed' })).toBe(0);
    const requeued = await sum(m.llmBatchLines, { outcome: 'requeued' });
    expect(requeued).toBeGreaterThan(b.lineErrors);
    // Each persona answered once by the endpoint (more only if the runtime redid a round after a broker hiccup).
    expect(b.linesAnswered).toBeGreaterThanOrEqual(PERSONAS);
    // Cost of the batched calls at the batch price: half of input × 1 + output × 4 per million tokens. Only the
    // stage's own calls: the diversity sample's embedding calls (stage="diversity-sample") are real-time, not batched.
    const own = { stage: 'synthesize-math' };
    const tokensIn = await sum(m.llmTokens, { ...own, direction: 'input' });
    const tokensOut = await sum(m.llmTokens, { ...own, direction: 'output' });
    expect(tokensIn).toBeGreaterThan(0);
    expect(await sum(m.llmCost, own)).toBeCloseTo((0.5 * (tokensIn * 1 + tokensOut * 4)) / 1e6, 9);
  });
});
