import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Admin } from './client.js';

export type ITopicConfig = KafkaJS.ITopicConfig;

/**
 * Create topics and wait, bounded, until every partition has a leader.
 *
 * Why a poll of our own: createTopics returns when the controller accepted the topics, but a KRaft broker
 * applies the controller's metadata asynchronously, so on a busy broker its first metadata answer for a topic created
 * a moment ago is UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition"), which
 * a client may throw. Here any metadata error counts as "not yet" until the deadline.
 * Returns false when every topic already existed.
 */
export async function createTopicsAndWait(admin: Admin, topics: ITopicConfig[], timeoutMs = 30_000): Promise<boolean> {
  if (topics.length === 0) return false;
  const created = await admin.createTopics({ topics });
  await waitForLeaders(admin, topics.map((t) => ({ topic: t.topic, partitions: t.numPartitions ?? 1 })), timeoutMs);
  return created;
}

/** Poll metadata until each topic has at least `partitions` partitions, all with a leader; throws at the deadline. */
export async function waitForLeaders(
  admin: Admin,
  topics: ReadonlyArray<{ topic: string; partitions: number }>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no metadata yet';
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      const pending = topics.filter(({ topic, partitions }) => {
        const m = meta.find((x) => x.name === topic);
        return !m || m.partitions.length < partitions || m.partitions.some((p) => p.leader < 0);
      });
      if (pending.length === 0) return;
      last = `no leader yet for ${pending.map((p) => p.topic).join(', ')}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() >= deadline) throw new Error(`topics not ready after ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
