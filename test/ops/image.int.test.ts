import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmInstall } from './install.js';

/**
 * What deploy/Dockerfile builds, without Docker. Its stages are followed step by step in scratch folders: the
 * `build` stage's `npm run build` is tsc with this checkout's dev dependencies, the `deps` stage's
 * `npm ci --omit=dev` runs for real (native add-ons as in ./install.ts), and the final stage's COPY lines
 * assemble the image's /app from those and the repository. Then the ENTRYPOINT runs. Catches a runtime import of
 * a dev dependency, a file the image forgets, and a final stage that would ship dev dependencies or run as root.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'personahub-image-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Stage {
  name: string;
  from: string;
  workdir: string;
  lines: string[];
}

function stages(dockerfile: string): Stage[] {
  const out: Stage[] = [];
  for (const raw of dockerfile.replace(/\\\n\s*/g, ' ').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const from = line.match(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i);
    if (from) out.push({ from: from[1]!, name: from[2] ?? `stage${out.length}`, workdir: '/', lines: [] });
    else {
      const wd = line.match(/^WORKDIR\s+(\S+)$/);
      if (wd) out.at(-1)!.workdir = wd[1]!;
      out.at(-1)!.lines.push(line);
    }
  }
  return out;
}

describe('deploy/Dockerfile', () => {
  const all = stages(readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8'));
  const final = all.at(-1)!;

  it('is multi-stage on a supported Node LTS, and the final stage has no dev dependencies and a non-root user', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const s of all) expect(s.from, s.name).toMatch(/^node:(22|24)[-.]/);
    // The final stage installs nothing but run-time shared libraries from Debian (libssl3 for librdkafka).
    const runs = final.lines.filter((l) => /^RUN\b/.test(l));
    for (const r of runs) expect(r, 'the final stage installs only Debian run-time libraries').toMatch(/^RUN apt-get update && apt-get install -y --no-install-recommends (lib[\w.+-]+\s*)+&& rm -rf \/var\/lib\/apt\/lists\/\*$/);
    expect(runs.join(' ')).not.toMatch(/\bnpm\b|-dev\b|\bg\+\+|\bmake\b/);
    const user = final.lines.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toMatch(/^USER [1-9]\d*(:[1-9]\d*)?$/);
    // The final stage's node_modules come from a stage that installed with --omit=dev.
    const nm = final.lines.find((l) => /^COPY --from=\S+ \S+\/node_modules /.test(l))!;
    const source = all.find((s) => s.name === nm.match(/--from=(\S+)/)![1])!;
    expect(source.lines.some((l) => /npm ci\b.*--omit=dev/.test(l)), source.name).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(final.lines).toContain(`ENTRYPOINT ["node", "${pkg.bin.personahub}"]`);
  });

  it('its stages, followed without Docker, give an image whose ENTRYPOINT runs', () => {
    const rootOf = (s: Stage) => join(work, s.name);
    const inStage = (s: Stage, path: string) => join(rootOf(s), path.startsWith('/') ? path : join(s.workdir, path));
    for (const s of all) {
      mkdirSync(inStage(s, s.workdir), { recursive: true });
      for (const line of s.lines) {
        const copy = line.match(/^COPY\s+(?:--from=(\S+)\s+)?(.+)\s+(\S+)$/);
        if (copy) {
          const [, fromStage, srcs, dest] = copy;
          for (const src of srcs!.split(/\s+/)) {
            const from = fromStage ? inStage(all.find((x) => x.name === fromStage)!, src) : join(ROOT, src);
            const to = dest!.endsWith('/') ? join(inStage(s, dest!), src.split('/').pop()!) : inStage(s, dest!);
            expect(existsSync(from), `${s.name}: ${line}`).toBe(true);
            cpSync(from, to, { recursive: true });
          }
        } else if (/^RUN .*npm run build/.test(line)) {
          // The build stage's own `npm ci` (dev dependencies) is this checkout's node_modules.
          execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', join(inStage(s, s.workdir), 'dist')], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
        } else if (/^RUN npm ci\b.*--omit=dev/.test(line)) {
          npmInstall(inStage(s, s.workdir), [], 'ci');
        }
      }
    }
    const app = inStage(final, final.workdir);
    expect(existsSync(join(app, 'node_modules/tsx')), 'tsx in the image').toBe(false);
    expect(existsSync(join(app, 'node_modules/typescript')), 'typescript in the image').toBe(false);
    const entry = JSON.parse(final.lines.find((l) => l.startsWith('ENTRYPOINT '))!.slice('ENTRYPOINT '.length)) as string[];
    expect(entry[0]).toBe('node');
    const run = (args: string[]) => execFileSync(process.execPath, [...entry.slice(1), ...args], { cwd: app, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_ENV: 'production' } });
    const help = run(['--help']);
    for (const cmd of ['run', 'sim', 'topics', 'schemas', 'ingest']) expect(help).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    // Loads topics/ and the contracts (zod) for real: the init Job's code path, minus the broker.
    expect(run(['topics', 'list'])).toContain('personas.unique');
    run(['schemas', 'gen', '--check']);
  }, 20 * 60_000);
});
