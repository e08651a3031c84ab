import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicsFor } from '../../topics/index.js';
import { WebDocument } from '../../src/contracts/index.js';
import { readToEnd } from '../../src/kafka/read-to-end.js';
import { applyTopicPlan, planTopics } from '../../src/kafka/topic-plan.js';
import { createRegistryCodec } from '../../src/registry/codec.js';
import { registerValueSubjects } from '../../src/registry/subjects.js';
import { isPersonahubError } from '../../src/errors.js';
import { deleteTopicsWithPrefix, kafka, randomPrefix, registry } from './helpers.js';

describe('registry codec through a real topic', () => {
  const k = kafka();
  const admin = k.admin();
  const prefix = randomPrefix('roundtrip');
  const topic = `${prefix}web.documents`;
  const docs = Array.from({ length: 20 }, (_, i) => ({
    id: `doc-${i}`,
    url: `https://example.org/${i}`,
    text: `Page ${i}: notes from a beekeeping club — ünïcödé ✓`,
    lang: 'en',
    fetchedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    source: 'roundtrip-test',
  }));

  beforeAll(async () => {
    await admin.connect();
    const topics = topicsFor({ prefix }).filter((t) => t.baseName === 'web.documents');
    await applyTopicPlan(admin, await planTopics(admin, topics));
    await registerValueSubjects(registry(), topics);
  });
  afterAll(async () => {
    await deleteTopicsWithPrefix(admin, prefix);
    await admin.disconnect();
  });

  it('registry-framed and plain JSON records both decode to valid WebDocuments; garbage is poison', async () => {
    const codec = createRegistryCodec(registry());
    const producer = k.producer({ idempotent: true });
    await producer.connect();
    const framed = await Promise.all(docs.slice(0, 10).map(async (d) => ({ key: d.id, value: await codec.encode(topic, d) })));
    const plain = docs.slice(10).map((d) => ({ key: d.id, value: Buffer.from(`\n${JSON.stringify(d)}`) }));
    await producer.send({ topic, messages: [...framed, ...plain, { key: 'bad', value: Buffer.from([0xde, 0xad]) }] });
    await producer.disconnect();

    const decoded = new Map<string, unknown>();
    const failures: unknown[] = [];
    let framedCount = 0;
    await readToEnd({
      client: k,
      topic,
      onRecord: async (message) => {
        if (message.value![0] === 0) framedCount++;
        try {
          decoded.set(message.key!.toString(), await codec.decode(topic, message.value!));
        } catch (e) {
          failures.push(e);
        }
      },
    });

    expect(framedCount).toBe(10);
    for (const d of docs) expect(WebDocument.parse(decoded.get(d.id))).toEqual(d);
    expect(failures).toHaveLength(1);
    expect(isPersonahubError(failures[0]) && (failures[0] as { code: string }).code === 'decode_failed').toBe(true);
  });
});
