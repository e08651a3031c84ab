import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What deploy/Dockerfile builds, without Docker: the paths it COPYs, `npm ci --omit=dev` (from the npm cache),
 * then the CLI. Catches a runtime import of a dev dependency, or a file the image forgets.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'personahub-image-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy/Dockerfile contents', () => {
  it('runs the CLI with production dependencies only', () => {
    const dockerfile = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
    for (const [, args] of dockerfile.matchAll(/^COPY\s+(.+)$/gm)) {
      const parts = args!.trim().split(/\s+/);
      const dest = parts.pop()!;
      for (const src of parts) cpSync(join(ROOT, src), dest.endsWith('/') ? join(dir, src) : join(dir, dest), { recursive: true });
    }
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: dir, stdio: 'pipe', timeout: 180_000,
    });
    const help = execFileSync(process.execPath, ['bin/personahub.mjs', '--help'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    for (const cmd of ['run', 'sim', 'topics', 'schemas', 'ingest']) expect(help).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    // Loads topics/ and the contracts (zod) for real: the init Job's code path, minus the broker.
    const topics = execFileSync(process.execPath, ['bin/personahub.mjs', 'topics', 'list'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(topics).toContain('personas.unique');
  }, 240_000);
});
