import { randomUUID } from 'node:crypto';
import type { Admin } from '../../src/kafka/client.js';
import { loadConfig } from '../../src/config/load.js';
import { createKafka } from '../../src/kafka/client.js';
import { createLogger } from '../../src/logger.js';
import { createRegistryClient } from '../../src/registry/client.js';

/**
 * Foundation tests run against the real stack from `npm run stack:up` (addresses from the usual env overrides,
 * so CI can use other ports). Every test works under its own random topic prefix and cleans up after itself.
 */
export const config = loadConfig();
export const kafka = () => createKafka(config.kafka, { logger: createLogger('kafka-test', 'error') });
export const registry = () => createRegistryClient(config.registry);
export const randomPrefix = (what: string) => `t-${what}-${randomUUID().slice(0, 8)}.`;

/** Delete every topic under `prefix` (test cleanup; never touches other names). */
export async function deleteTopicsWithPrefix(admin: Admin, prefix: string): Promise<void> {
  const mine = (await admin.listTopics()).filter((t: string) => t.startsWith(prefix));
  if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
}

/** Poll `check` until it returns a value or the deadline passes (then throws with the last error). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
