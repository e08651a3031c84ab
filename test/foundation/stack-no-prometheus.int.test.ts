import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/ops/prometheus-process.js';
import { ensureLocalStack } from '../../src/cli/prepare-cluster.js';

/**
 * Issue #11 defect 1: the first command must work with Node, Java and Maven alone. On a PATH without `prometheus`,
 * stack.sh starts Kafka and the registry, says once how to add Prometheus and exits 0; `status` reports it absent
 * without failing; `up`'s stack step (ensureLocalStack) starts the stack and repeats the hint once when it is
 * already up. Private ports and PERSONAHUB_STACK_DIR (never the shared stack); the repository's download cache
 * (PERSONAHUB_CACHE_DIR, else /work/main/.cache or <repo>/.cache) so nothing is downloaded.
 */
const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../deploy/local/stack.sh', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const HINT = 'apt-get install -y prometheus';

/** A PATH directory holding every command of the current PATH except `prometheus` (symlinks, first one wins). */
function pathWithout(command: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (!d || !existsSync(d)) continue;
    for (const name of readdirSync(d)) {
      if (name === command || existsSync(join(dir, name))) continue;
      symlinkSync(join(d, name), join(dir, name));
    }
  }
  return dir;
}

const countOf = (text: string, needle: string) => text.split(needle).length - 1;

describe('the local stack without Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ph-noprom-'));
  const cacheDir = process.env.PERSONAHUB_CACHE_DIR ?? (existsSync('/work/main/.cache/m2') ? '/work/main/.cache' : join(REPO, '.cache'));
  let env: NodeJS.ProcessEnv = {};
  const stack = (...args: string[]) => run('bash', [SCRIPT, ...args], { env, timeout: 200_000 });

  afterAll(async () => {
    await stack('down').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts Kafka and the registry, names the missing Prometheus once, and status/up carry on', async () => {
    env = {
      ...process.env,
      PATH: pathWithout('prometheus', join(dir, 'bin')),
      PERSONAHUB_STACK_DIR: join(dir, 'stack'),
      PERSONAHUB_CACHE_DIR: cacheDir,
      PERSONAHUB_KAFKA_PORT: String(await freePort()),
      PERSONAHUB_KAFKA_CONTROLLER_PORT: String(await freePort()),
      PERSONAHUB_REGISTRY_PORT: String(await freePort()),
      PERSONAHUB_PROMETHEUS_PORT: String(await freePort()),
      PERSONAHUB_KAFKA_HEAP: '512m',
      PERSONAHUB_REGISTRY_HEAP: '384m',
    };
    await expect(run('bash', ['-c', 'command -v prometheus'], { env })).rejects.toBeDefined();

    // up's stack step: status fails (nothing running), so it runs stack.sh up, which must succeed.
    const lines: string[] = [];
    ensureLocalStack((l) => lines.push(l), env);
    for (const s of ['kafka', 'registry']) expect(Number(readFileSync(join(dir, 'stack', s, 'pid'), 'utf8'))).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'stack', 'prometheus', 'pid'))).toBe(false);

    const status = await stack('status'); // exit 0: Prometheus is optional
    expect(status.stdout.match(/ up /g)).toHaveLength(2);
    expect(status.stdout).toMatch(/prometheus\s+absent/);

    const again = await stack('up');
    expect(countOf(again.stderr, HINT)).toBe(1);
    expect(again.stderr).not.toMatch(/ERROR/);

    // Already up: `up` says it once, from status, and starts nothing.
    const second: string[] = [];
    ensureLocalStack((l) => second.push(l), env);
    expect(second[0]).toBe('local stack: already running');
    expect(countOf(second.join('\n'), HINT)).toBe(1);
    expect(lines.join('\n')).not.toContain('already running');
  });
});
