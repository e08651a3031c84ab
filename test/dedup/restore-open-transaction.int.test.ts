import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { Admin } from '../../src/kafka/client.js';
import type { Kafka } from '../runtime/helpers.js';
import { createMetrics } from '../../src/metrics/catalogue.js';
import { createLogger } from '../../src/logger.js';
import { loadConfig } from '../../src/config/load.js';
import { jsonCodec } from '../../src/runtime/json-codec.js';
import { storeRestorer } from '../../src/runtime/state-store.js';
import type { StageContext, StageResult } from '../../src/runtime/stage.js';
import { readToEnd } from '../../src/kafka/read-to-end.js';
import { createTopicsAndWait } from '../../src/kafka/admin.js';
import { createBandsStage, createEntryStage } from '../../src/dedup/stream/stages.js';
import { personaStreamSpec, DEDUP_STREAM_TOPICS as T } from '../../src/dedup/stream/specs.js';
import type { RouteRecord } from '../../src/dedup/stream/route-record.js';
import { connectBroker, uniq } from '../runtime/helpers.js';
import { deletePrefixed, persona } from './stream-helpers.js';

/**
 * Reproduction of the crash bug of issue #15's streaming dedup (found 2026-11-28), on the real broker, step by step:
 * a crashed owner leaves a transaction open on changelog partition 0 (SIGKILL mid-round: the coordinator aborts it
 * only after transaction.timeout.ms), its successor commits a changelog entry behind it, and a restore runs before
 * the open transaction ends (the successor's failed round resets the partition, or a third process takes over).
 *
 * The restore read to the end offset librdkafka's watermark query returns under read_committed: the last stable
 * offset, i.e. the start of the open transaction. It applied nothing and missed the committed entry, whose input
 * offset was committed: that persona was gone from the state, so its near-duplicates passed (and the next restore
 * mixed segment versions). The chaos test's own reads of the output and route topics stopped at the same offset
 * and reported the personas committed behind an open transaction as lost. Now the end is the high watermark and a
 * read_committed read waits at an open transaction until it ends.
 */
describe('dedup state restore while a crashed owner has a transaction open', () => {
  let kafka: Kafka;
  let admin: Admin;
  const prefix = `${uniq('dedupo')}.`;
  beforeAll(async () => void ({ kafka, admin } = await connectBroker()));
  afterAll(async () => {
    await deletePrefixed(admin, [prefix]);
    await admin.disconnect();
  });

  it('waits for the open transaction, applies the entry committed behind it, and not the aborted one', async () => {
    const changelog = prefix + T.personas.changelog;
    await createTopicsAndWait(admin, [{ topic: changelog, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
    const spec = personaStreamSpec(loadConfig().dedup); // R = 1: every key in route partition 0
    const deps = { metrics: createMetrics(new Registry()), logger: createLogger('test', 'error') };
    const entry = createEntryStage(spec, deps);
    const ctx = (offset: number): StageContext => ({ meta: { topic: 'route', partition: 0, offset: String(offset), key: null, timestamp: '0', headers: {} }, signal: new AbortController().signal, logger: deps.logger, attempt: 1 });
    const route = async (text: string) => {
      const out = (await entry.process(persona(text, 0), ctx(0))) as Array<{ value: unknown }>;
      return out[0]!.value as RouteRecord;
    };
    const changelogOf = (r: StageResult) => {
      expect(Array.isArray(r), 'stored').toBe(true);
      return (r as Array<{ topic: string; value: unknown }>).find((o) => o.topic === T.personas.changelog)!.value;
    };
    const zombieText = 'retired lighthouse keeper who catalogues seabird nests along the northern cliffs every spring';
    const keptText = 'pediatric nurse in a rural clinic who teaches first aid to farm families on weekends';
    const nearKept = `${keptText} twice`; // word-Jaccard 15/16 = 0.94 to keptText

    // the crashed owner decided zombieText (uncommitted) and the successor, restored without it, kept keptText
    const zombieEntry = changelogOf(await createBandsStage(spec, deps).process(await route(zombieText), ctx(7)));
    const keptEntry = changelogOf(await createBandsStage(spec, deps).process(await route(keptText), ctx(7)));
    const zombie = kafka.producer({ transactionalId: `${prefix}zombie` });
    const successor = kafka.producer({ transactionalId: `${prefix}successor` });
    await zombie.connect();
    await successor.connect();
    try {
      const open = await zombie.transaction();
      await open.send({ topic: changelog, messages: [{ key: 'p0s0', value: await jsonCodec.encode(changelog, zombieEntry), partition: 0 }] });
      const committed = await successor.transaction();
      await committed.send({ topic: changelog, messages: [{ key: 'p0s0', value: await jsonCodec.encode(changelog, keptEntry), partition: 0 }] });
      await committed.commit();

      // a restore now (the coordinator would abort the open transaction after transaction.timeout.ms; here after 1 s)
      const bands = createBandsStage(spec, deps);
      const restorer = storeRestorer({ spec: bands.store!, client: kafka, codec: jsonCodec, physical: (t) => prefix + t, stage: bands.name, metrics: deps.metrics, logger: deps.logger });
      const started = performance.now();
      const abortLater = new Promise<void>((resolve, reject) => setTimeout(() => open.abort().then(resolve, reject), 1000));
      await restorer.restore(0, new AbortController().signal);
      const waited = performance.now() - started;
      await abortLater;

      expect(bands.stateSize(), 'the entry committed behind the open transaction is applied, the aborted one is not').toBe(1);
      expect(waited, 'the restore waited for the open transaction to end').toBeGreaterThanOrEqual(900);
      expect(await bands.process(await route(nearKept), ctx(8)), 'a near-duplicate of the committed persona is dropped').toEqual({ filtered: 'duplicate_near' });
      expect(Array.isArray(await bands.process(await route(zombieText), ctx(9))), 'the aborted decision left nothing behind').toBe(true);

      // the same read as the chaos test's output check: the committed record behind an aborted one is delivered
      const values: unknown[] = [];
      await readToEnd({ client: kafka, topic: changelog, partitions: [0], onRecord: (r) => void values.push(JSON.parse(r.value!.toString())) });
      expect(values).toEqual([keptEntry]);
    } finally {
      await zombie.disconnect();
      await successor.disconnect();
    }
  }, 60_000);
});
