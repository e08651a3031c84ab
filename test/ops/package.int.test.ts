import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmInstall } from './install.js';

/**
 * The package as a user gets it: `npm pack` (prepack builds dist/ with tsc), the tarball installed into an empty
 * folder from the npm registry (production dependencies only, see ./install.ts for native add-ons), then the
 * `personahub` command run by plain node, with no tsx anywhere in the installed tree.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'personahub-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack → install → personahub', () => {
  it('installs into an empty folder and runs on plain node', () => {
    execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{ "name": "personahub-pack-test", "private": true }\n');
    const report = npmInstall(app, [join(work, tarball!)]);
    process.stderr.write(`pack test: install steps reused from the checkout: ${report.reused.join(', ') || 'none'}; rebuilt: ${report.rebuilt.join(', ') || 'none'}\n`);

    const installed = join(app, 'node_modules');
    for (const dev of ['tsx', 'vitest', 'typescript', '@grafana/schema', 'kubernetes-models']) expect(existsSync(join(installed, dev)), dev).toBe(false);
    // `personahub` as the shell finds it: the bin link, its shebang resolved to this node by PATH.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`, NODE_OPTIONS: '' };
    const bin = join(installed, '.bin', 'personahub');
    const help = execFileSync(bin, ['--help'], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
    for (const cmd of ['run', 'up', 'sim', 'topics', 'schemas', 'ingest']) expect(help).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    // Shipped files found from the installed location: topics/ and contracts load, schemas/ matches the contracts.
    expect(execFileSync(bin, ['topics', 'list'], { cwd: app, env, encoding: 'utf8', timeout: 60_000 })).toContain('personas.unique');
    execFileSync(bin, ['schemas', 'gen', '--check'], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
    const bench = (() => { try { execFileSync(bin, ['bench', '--list'], { cwd: app, env, stdio: 'pipe' }); return ''; } catch (e) { return String((e as { stderr: Buffer }).stderr); } })();
    expect(bench).toContain('source checkout');
  }, 20 * 60_000);
});
