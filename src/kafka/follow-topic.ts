import { fatal } from '../errors.js';
import type { KafkaClient } from './client.js';
import { readToEnd, type EndRecord } from './read-to-end.js';

export interface FollowTopicOptions {
  client: KafkaClient;
  topic: string;
  /** For the error when the topic is missing: what it holds and the config key that names it. */
  holds: string;
  configKey: string;
  signal: AbortSignal;
  fetchWaitMaxMs?: number;
  onRecord(r: EndRecord): void;
}

/**
 * Loads a compacted topic from its beginning and keeps following it (the LLM spend ledger, the LLM response cache).
 * Resolves once everything on the topic when called has been applied — or the follower ended first, e.g. on an
 * error — with the follower's promise, which the caller must handle (it rejects if following stops on an error).
 *
 * A missing topic is a configuration error (fatal, naming the command that creates it), never a wait.
 */
export async function followTopic(o: FollowTopicOptions): Promise<{ follower: Promise<void> }> {
  const admin = o.client.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(o.topic))
      throw fatal('config_invalid', `${o.holds} topic ${o.topic} does not exist: run \`personahub topics apply\` (${o.configKey})`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  let caughtUp!: () => void;
  const ready = new Promise<void>((r) => (caughtUp = r));
  const follower: Promise<void> = readToEnd({
    client: o.client,
    topic: o.topic,
    follow: true,
    signal: o.signal,
    ...(o.fetchWaitMaxMs !== undefined ? { fetchWaitMaxMs: o.fetchWaitMaxMs } : {}),
    onProgress: (remaining) => {
      if (remaining === 0) caughtUp();
    },
    onRecord: o.onRecord,
  }).then(() => undefined);
  // The caller handles the follower's outcome; this race only waits for the first catch-up.
  await Promise.race([ready, follower.then(() => undefined, () => undefined)]);
  return { follower };
}
