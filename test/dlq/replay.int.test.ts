import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_HEADERS, REPLAY_HEADERS, dlqTopic } from '../../src/contracts/dlq.js';
import type { Persona } from '../../src/contracts/persona.js';
import { stageInputs } from '../../src/dataflow/manifest.js';
import { personaId } from '../../src/dedup/index.js';
import { listDeadLetters } from '../../src/dlq/list.js';
import { replayDeadLetters, type ReplayOutcome } from '../../src/dlq/replay.js';
import { parseSelection } from '../../src/dlq/selection.js';
import { resolveTarget } from '../../src/dlq/target.js';
import type { Admin } from '../../src/kafka/client.js';
import { createLlmClient } from '../../src/llm/index.js';
import type { LlmClient } from '../../src/llm/types.js';
import { createLogger } from '../../src/logger.js';
import { startStage, type StageHandle } from '../../src/runtime/index.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createSynthesizeStage } from '../../src/stages/synthesize/process.js';
import { connectBroker, createTopics, produce, readAll, readCommitted, testConfig, testDeps, uniq, waitFor, type Kafka } from '../runtime/helpers.js';

/**
 * Dead letters worked off after a fix, on the real broker with the real synthesize-math stage and LLM client:
 * while the LLM endpoint (personahub's simulator) is down, every persona is dead-lettered (retriable
 * llm_connection, retries exhausted). A replay while it is still down sends them back to the dead-letter topic
 * with their replay attempt counted; an attempt limit then skips them by name. Once the simulator is up again, the
 * replay of the same selection re-injects each once: the stage writes exactly one sample per persona (read
 * read_committed), and running the same replay again replays nothing.
 */
const logger = createLogger('dlq-replay-test', 'error');
const PERSONAS = 6;

function personas(): Persona[] {
  return Array.from({ length: PERSONAS }, (_, i) => {
    const text = `A lighthouse keeper number ${i} who logs storms on a remote island`;
    return {
      id: personaId(text), text, hop: 0, perspective: 'read', relation: null, parentId: null,
      rootDocId: 'doc-1', rootUrl: 'https://example.org/doc-1', budget: 10,
      provenance: { stage: 'extract', model: 'm', simulated: true, promptId: 'p', promptVersion: '1', params: {}, usage: { inputTokens: 1, outputTokens: 1 }, createdAt: '2026-01-01T00:00:00Z' },
    };
  });
}

describe('dlq replay after the LLM endpoint is back (real broker, synthesize-math, simulator)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let sim: Simulator | undefined;
  const llms: LlmClient[] = [];
  const handles: StageHandle[] = [];
  beforeAll(async () => void ({ kafka, admin } = await connectBroker()));
  afterAll(async () => {
    for (const h of handles) await h.stop().catch(() => undefined);
    for (const l of llms) await l.close?.();
    await sim?.close();
    await admin.disconnect();
  });

  it('replays each dead letter once into the stage, which writes each output exactly once; the same replay again replays nothing', async () => {
    const prefix = `${uniq('dlq')}.`;
    const config = testConfig({ retry: { maxAttempts: 1, initialDelayMs: 10, maxDelayMs: 50 } });
    config.stages.synthesize.scenarios.math.samplingRate = 1;
    config.llm.structuredOutput = 'json_schema';
    const input = `${prefix}personas.unique`;
    const dlq = dlqTopic(input, 'synthesize-math');
    const output = `${prefix}synth.math`;
    await createTopics(admin, [input, output], 2);
    await createTopics(admin, [dlq], 1);

    // The endpoint is down: a port a simulator listened on a moment ago (connection refused).
    const gone = await startSimulator({ port: 0 });
    const downUrl = gone.url;
    await gone.close();
    const endpoint = (baseUrl: string) => ({ ...config.llm, endpoint: { ...config.llm.endpoint, baseUrl, maxAttempts: 1, breakerFailures: 1_000, timeoutMs: 5_000 } });
    const down = createLlmClient(endpoint(downUrl), { logger });
    llms.push(down);

    const ps = personas();
    await produce(kafka, input, [...ps.map((p) => ({ key: p.id, value: JSON.stringify(p) })), { key: 'bad', value: '{}' }]);
    const depsA = testDeps(config, { topicPrefix: prefix, logger });
    const stageA = await startStage(createSynthesizeStage('math', config.stages.synthesize.scenarios.math, { llm: down, logger }), depsA);
    handles.push(stageA);
    let dead = await readAll(kafka, dlq, (r) => r.length >= PERSONAS + 1, 120_000);
    expect(dead).toHaveLength(PERSONAS + 1);
    expect(dead.filter((r) => r.headers[DLQ_HEADERS.code] === 'llm_connection')).toHaveLength(PERSONAS);

    const target = resolveTarget(dlq, stageInputs());
    const replay = async (o: { replayId?: string; maxAttempts?: number; dryRun?: boolean } = {}): Promise<ReplayOutcome & { text: string }> => {
      let text = '';
      const outcome = await replayDeadLetters({
        client: kafka, logger, target,
        selection: parseSelection({ dlqTopic: dlq, kinds: ['retriable'], maxAttempts: o.maxAttempts ?? 3 }),
        ...(o.replayId ? { replayId: o.replayId } : {}),
        dryRun: o.dryRun ?? false, batchSize: 4, transactionTimeoutMs: 10_000,
        out: (t) => (text += t),
      });
      return { ...outcome, text };
    };

    // 1. Replayed while the endpoint is still down: back to the dead-letter topic, replay attempt 1.
    const early = await replay({ replayId: 'too-early' });
    expect(early.committed?.toJSON()).toEqual({ replay: { llm_connection: PERSONAS }, skipped: {}, outside: 1 });
    dead = await readAll(kafka, dlq, (r) => r.length >= 2 * PERSONAS + 1, 120_000);
    const again = dead.filter((r) => r.headers[REPLAY_HEADERS.id] === 'too-early');
    expect(again).toHaveLength(PERSONAS);
    for (const r of again) {
      expect(r.headers[REPLAY_HEADERS.attempt]).toBe('1');
      expect(r.headers[DLQ_HEADERS.code]).toBe('llm_connection');
      const first = dead.find((d) => d.offset === r.headers[REPLAY_HEADERS.dlqOffset])!;
      expect(r.value).toEqual(first.value);
      expect(r.key).toBe(first.key);
      expect(r.headers[DLQ_HEADERS.firstFailureAt]).toBe(first.headers[DLQ_HEADERS.firstFailureAt]);
      expect(r.headers[REPLAY_HEADERS.originOffset]).toBe(first.headers[DLQ_HEADERS.sourceOffset]);
    }
    await waitFor('stage A counted the failed replays', async () =>
      ((await depsA.metrics.recordsReplayed.get()).values.find((v) => v.labels.outcome === 'dead_lettered' && v.labels.code === 'llm_connection')?.value ?? 0) === PERSONAS, 30_000);

    // 2. An attempt limit of 1: every record has been replayed once, so all are skipped by name.
    const limited = await replay({ maxAttempts: 1, dryRun: true });
    expect(limited.plan.tally.toJSON()).toEqual({ replay: {}, skipped: { superseded: PERSONAS, max_attempts: PERSONAS }, outside: 1 });
    expect(limited.text).toMatch(/skipped\s+12\s+superseded=6 max_attempts=6/);

    const listed = (await listDeadLetters({ client: kafka, prefix, stages: stageInputs() })).find((t) => t.topic === dlq)!;
    expect(listed.total).toBe(2 * PERSONAS + 1);
    expect(listed.groups.map((g) => [g.kind, g.code, g.count, g.afterReplay])).toEqual([
      ['retriable', 'llm_connection', 2 * PERSONAS, PERSONAS],
      ['poison', 'schema_invalid', 1, 0],
    ]);

    // 3. The fix: the endpoint is back (the stage restarted against it).
    await stageA.stop();
    sim = await startSimulator({ port: 0 });
    const up = createLlmClient(endpoint(sim.url), { logger });
    llms.push(up);
    const depsB = testDeps(config, { topicPrefix: prefix, logger });
    const stageB = await startStage(createSynthesizeStage('math', config.stages.synthesize.scenarios.math, { llm: up, logger }), depsB);
    handles.push(stageB);

    const dry = await replay({ dryRun: true });
    expect(dry.plan.tally.toJSON()).toEqual({ replay: { llm_connection: PERSONAS }, skipped: { superseded: PERSONAS }, outside: 1 });
    expect(dry.committed).toBeUndefined();
    const fixed = await replay();
    expect(fixed.plan.replayId).toBe(dry.plan.replayId);
    expect(fixed.committed?.toJSON()).toEqual(dry.plan.tally.toJSON());

    await waitFor('stage B handled the replayed records', async () =>
      ((await depsB.metrics.recordsReplayed.get()).values.find((v) => v.labels.outcome === 'ok' && v.labels.code === 'llm_connection')?.value ?? 0) === PERSONAS, 120_000, 200);
    await stageB.stop();

    const samples = (await readCommitted(kafka, output)).map((r) => JSON.parse(r.value.toString()) as { personaId: string });
    expect(samples.map((s) => s.personaId).sort()).toEqual(ps.map((p) => p.id).sort());
    expect((await readCommitted(kafka, dlq)).length, 'nothing failed after the fix').toBe(2 * PERSONAS + 1);

    // What was re-injected is the original record, byte for byte, under its own key.
    const inputRecords = await readCommitted(kafka, input);
    const originals = new Map(inputRecords.filter((r) => r.headers[REPLAY_HEADERS.id] === undefined).map((r) => [r.key, r.value]));
    const reinjected = inputRecords.filter((r) => r.headers[REPLAY_HEADERS.id] === fixed.plan.replayId);
    expect(reinjected).toHaveLength(PERSONAS);
    for (const r of reinjected) {
      expect(r.value).toEqual(originals.get(r.key));
      expect(r.headers[REPLAY_HEADERS.attempt]).toBe('2');
    }

    // 4. The same selection again: nothing left to replay, nothing written.
    const inputBefore = inputRecords.length;
    const second = await replay();
    expect(second.plan.replayId).toBe(fixed.plan.replayId);
    expect(second.committed?.replayed).toBe(0);
    expect(second.text).toMatch(/replayed\s+0 into/);
    expect((await readCommitted(kafka, input)).length).toBe(inputBefore);
    expect(inputBefore).toBe(PERSONAS + 1 + 2 * PERSONAS);
  });
});
