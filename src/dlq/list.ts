import type { KafkaClient } from '../kafka/client.js';
import { readToEnd } from '../kafka/read-to-end.js';
import { InventoryBuilder, type TopicInventory } from './inventory.js';
import { dlqTopicsFor } from './target.js';

/**
 * `personahub dlq list`: every dead-letter topic of the dataflow (one per stage and input, from the manifest) for
 * one prefix, read to its end (read_committed, no consumer group) and counted by kind and code. Values are not
 * kept: memory is one small entry per kind and code.
 */
export async function listDeadLetters(o: { client: KafkaClient; prefix: string; stages: ReadonlyArray<{ stage: string; input: string }> }): Promise<TopicInventory[]> {
  const admin = o.client.admin();
  await admin.connect();
  let existing: Set<string>;
  try {
    existing = new Set(await admin.listTopics());
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const out: TopicInventory[] = [];
  for (const target of dlqTopicsFor(o.prefix, o.stages)) {
    const builder = new InventoryBuilder(target);
    const exists = existing.has(target.dlqTopic);
    if (exists) await readToEnd({ client: o.client, topic: target.dlqTopic, onRecord: (r) => builder.add(r) });
    out.push(builder.build(exists));
  }
  return out;
}
