import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A Kafka + schema registry of a test's own (deploy/local/stack.sh on other ports and another state folder), for
 * tests that stop and restart them: the shared stack the other tests use is never touched. Downloads come from
 * the shared cache (the repository's .cache, filled by `npm run stack:up`).
 */
const STACK = fileURLToPath(new URL('../../deploy/local/stack.sh', import.meta.url));
const CACHE = fileURLToPath(new URL('../../.cache', import.meta.url));

export interface PrivateStack {
  kafkaPort: number;
  registryPort: number;
  brokers: string;
  registryUrl: string;
  up(...services: Array<'kafka' | 'registry'>): void;
  down(...services: Array<'kafka' | 'registry'>): void;
  /** Stops every service and removes the stack's folder (data, logs, pid files). */
  dispose(): void;
}

export function privateStack(base: number): PrivateStack {
  const dir = mkdtempSync(join(tmpdir(), 'personahub-stack-'));
  const env = {
    ...process.env,
    PERSONAHUB_STACK_DIR: dir,
    PERSONAHUB_CACHE_DIR: process.env.PERSONAHUB_CACHE_DIR ?? CACHE,
    PERSONAHUB_KAFKA_PORT: String(base),
    PERSONAHUB_KAFKA_CONTROLLER_PORT: String(base + 1),
    PERSONAHUB_REGISTRY_PORT: String(base + 2),
    PERSONAHUB_PROMETHEUS_PORT: String(base + 3),
  };
  const run = (verb: string, services: string[]) => {
    const r = spawnSync('bash', [STACK, verb, ...services], { env, encoding: 'utf8', timeout: 240_000 });
    if (r.status !== 0) throw new Error(`stack.sh ${verb} ${services.join(' ')} failed: ${r.stderr}`);
  };
  return {
    kafkaPort: base,
    registryPort: base + 2,
    brokers: `127.0.0.1:${base}`,
    registryUrl: `http://127.0.0.1:${base + 2}/apis/ccompat/v7`,
    up: (...s) => run('up', s.length > 0 ? s : ['kafka', 'registry']),
    down: (...s) => run('down', s.length > 0 ? s : ['kafka', 'registry']),
    dispose: () => {
      try {
        run('down', ['kafka', 'registry']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
