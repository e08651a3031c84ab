import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/ops/prometheus-process.js';

/**
 * deploy/local/stack.sh on its own ports and data dir (never the shared default stack): up, up again, status, down.
 * Uses the repository's download cache, which `npm run stack:up` filled, so nothing is downloaded here.
 */
const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../deploy/local/stack.sh', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('deploy/local/stack.sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ph-stack-'));
  let env: NodeJS.ProcessEnv = {};
  const stack = (...args: string[]) => run('bash', [SCRIPT, ...args], { env, timeout: 200_000 });

  afterAll(async () => {
    await stack('down').catch(() => undefined); // in case an assertion failed mid-way
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts all services on other ports, is idempotent, and `down` leaves no process behind', async () => {
    // The registry also binds port+1 (management); ephemeral ports end below 65535, so port+1 is a valid port.
    const registryPort = await freePort();
    env = {
      ...process.env,
      PERSONAHUB_STACK_DIR: dir,
      PERSONAHUB_KAFKA_PORT: String(await freePort()),
      PERSONAHUB_KAFKA_CONTROLLER_PORT: String(await freePort()),
      PERSONAHUB_REGISTRY_PORT: String(registryPort),
      PERSONAHUB_PROMETHEUS_PORT: String(await freePort()),
      PERSONAHUB_KAFKA_HEAP: '512m',
      PERSONAHUB_REGISTRY_HEAP: '384m',
    };

    const up = await stack('up');
    expect(up.stderr).not.toMatch(/fetching/); // cache hit: no Maven run
    const pids = Object.fromEntries(
      ['kafka', 'registry', 'prometheus'].map((s) => [s, Number(readFileSync(join(dir, s, 'pid'), 'utf8'))]),
    );
    for (const [s, pid] of Object.entries(pids)) expect(alive(pid), s).toBe(true);
    const status = await stack('status');
    expect(status.stdout.match(/ up /g)).toHaveLength(3);
    expect(readFileSync(join(dir, 'kafka', 'server.properties'), 'utf8')).toContain(`PLAINTEXT://127.0.0.1:${env.PERSONAHUB_KAFKA_PORT}`);

    const again = await stack('up');
    expect(again.stderr.match(/already running/g)).toHaveLength(3);
    for (const s of Object.keys(pids)) expect(Number(readFileSync(join(dir, s, 'pid'), 'utf8'))).toBe(pids[s]);

    await stack('down');
    for (const [s, pid] of Object.entries(pids)) expect(alive(pid), `${s} pid ${pid} still alive`).toBe(false);
    const services = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(services.flatMap((d) => readdirSync(join(dir, d.name)).filter((f) => f === 'pid'))).toEqual([]);
    const after = await stack('status').then(() => 0, (e: { code?: number }) => e.code ?? -1);
    expect(after).toBe(1);
  });
});
