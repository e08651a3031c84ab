import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { topicsFor } from '../../topics/index.js';
import { valueSubject } from '../../topics/types.js';
import { registerValueSubjects } from '../../src/registry/subjects.js';
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

/**
 * The codec tests' subjects (call in a describe body): `web.documents` and `synth.math` registered under a fresh
 * prefix before the suite and deleted after it, plus one valid web document.
 */
export function codecSubjects(name: string): { prefix: string; docs: string; math: string; doc: { id: string; url: string; text: string; fetchedAt: string; source: string } } {
  const prefix = randomPrefix(name);
  const docs = `${prefix}web.documents`;
  const math = `${prefix}synth.math`;
  beforeAll(async () => {
    await registerValueSubjects(registry(), topicsFor({ prefix }).filter((t) => ['web.documents', 'synth.math'].includes(t.baseName)));
  });
  afterAll(async () => {
    const r = registry();
    for (const t of [docs, math]) await r.deleteSubject(valueSubject(t), false).catch(() => undefined);
  });
  return { prefix, docs, math, doc: { id: 'd1', url: 'https://example.org/a', text: 'hello', fetchedAt: '2026-01-01T00:00:00.000Z', source: 's' } };
}
