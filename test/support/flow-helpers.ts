import { Ajv } from 'ajv';
import type { Logger } from 'pino';
import { expect } from 'vitest';
import { readTopic, type TopicRecord } from '../../src/cli/read-topic.js';
import { activity, flowSnapshot, looksDrained, type FlowSnapshot } from '../../src/cli/flow-snapshot.js';
import type { StartedStages } from '../../src/cli/start-stages.js';
import type { Config } from '../../src/config/schema.js';
import { createKafka } from '../../src/kafka/client.js';
import { jsonCodec } from '../../src/runtime/json-codec.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { deleteTopicsWithPrefix } from '../foundation/helpers.js';

/**
 * What the in-process dataflow tests (e2e, hostile input, batch, budget, real model) share: reading a topic to its
 * end, waiting until the dataflow has drained, removing their prefixed topics. One copy, so they judge "drained" the
 * same way.
 */

/** Every record of a (physical) topic, read_committed, from the beginning to the end offsets taken at the start. */
export async function readAllRecords(config: Pick<Config, 'kafka'>, topic: string, logger: Logger): Promise<TopicRecord[]> {
  const out: TopicRecord[] = [];
  await readTopic({ kafka: createKafka(config.kafka, { logger }), codec: jsonCodec, topic, fromBeginning: true, untilCaughtUp: true, onRecord: (r) => void out.push(r) });
  return out;
}

export interface DrainOptions {
  /** Besides "caught up and nothing in flight": what must also hold (e.g. every synth topic has a record). */
  done(snap: FlowSnapshot): boolean;
  timeoutMs: number;
  /** How long nothing may move before the flow counts as drained. */
  quietMs: number;
  everyMs?: number;
}

/** Bounded poll: every stage caught up, nothing in flight, `done` holds, and nothing moved for `quietMs`. */
export async function waitFlowDrained(flow: StartedStages, o: DrainOptions): Promise<FlowSnapshot> {
  const deadline = Date.now() + o.timeoutMs;
  let last = '';
  let quietSince = Date.now();
  for (;;) {
    const snap = await flowSnapshot(flow.metrics);
    const act = activity(snap);
    if (act !== last) {
      last = act;
      quietSince = Date.now();
    }
    if (o.done(snap) && looksDrained(snap, flow.inputs) && Date.now() - quietSince >= o.quietMs) return snap;
    if (Date.now() > deadline) throw new Error(`dataflow did not drain within ${o.timeoutMs} ms: ${JSON.stringify(snap.stages)}`);
    await new Promise((r) => setTimeout(r, o.everyMs ?? 250));
  }
}

/** The broker is shared: a test removes every topic it made (they all start with its random prefix). */
export async function removePrefixedTopics(config: Pick<Config, 'kafka'>, prefix: string, logger: Logger): Promise<void> {
  const admin = createKafka(config.kafka, { logger }).admin();
  await admin.connect();
  try {
    await deleteTopicsWithPrefix(admin, prefix);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every record read from each topic decodes, is framed with the schema id of its topic's latest registry subject,
 * and validates against that JSON Schema (ajv, independent of the project's zod contracts).
 */
export async function expectConformingToRegistry(config: Pick<Config, 'registry'>, prefix: string, onTopic: Record<string, TopicRecord[]>): Promise<void> {
  const registry = createRegistryClient(config.registry);
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const [t, records] of Object.entries(onTopic)) {
    const meta = await registry.getLatestSchemaMetadata(`${prefix}${t}-value`);
    const validate = ajv.compile(JSON.parse(meta.schema!) as object);
    for (const r of records) {
      expect(r.error, `${t} ${r.offset}`).toBeUndefined();
      expect(r.raw![0], `${t} ${r.offset} is registry-framed`).toBe(0);
      expect(r.raw!.readUInt32BE(1), `${t} ${r.offset}: schema id of ${prefix}${t}-value`).toBe(meta.id);
      expect(validate(r.value), `${t} ${r.offset}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  }
}
