import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Installs personahub's production dependencies into a scratch folder the way a user would (npm, the real
 * registry, no dev dependencies), minus one cost: native add-ons. Their install scripts compile C/C++ from source
 * here (no prebuilt binaries can be downloaded on this network; a Kafka client built on librdkafka takes ~6 min on
 * 2 cores). So the install runs with --ignore-scripts, then every package that has an install step (install /
 * preinstall / postinstall script, or a binding.gyp) is taken from this checkout's node_modules when the same
 * version is there (built by `npm ci` for this very Node), else rebuilt with `npm rebuild <name>`. Which packages
 * those are is found, not listed, so this does not depend on which Kafka client package.json names.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Pkg {
  name: string;
  version: string;
  dir: string;
}

function packages(nodeModules: string): Pkg[] {
  const out: Pkg[] = [];
  if (!existsSync(nodeModules)) return out;
  for (const e of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const dirs = e.name.startsWith('@') ? readdirSync(join(nodeModules, e.name)).map((n) => join(nodeModules, e.name, n)) : [join(nodeModules, e.name)];
    for (const dir of dirs) {
      const pj = join(dir, 'package.json');
      if (!existsSync(pj)) continue;
      const { name, version } = JSON.parse(readFileSync(pj, 'utf8')) as Pkg;
      out.push({ name, version, dir });
      out.push(...packages(join(dir, 'node_modules')));
    }
  }
  return out;
}

function needsBuild(dir: string): boolean {
  const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string>; gypfile?: boolean };
  return Boolean(pj.scripts?.install || pj.scripts?.preinstall || pj.scripts?.postinstall || pj.gypfile || existsSync(join(dir, 'binding.gyp')));
}

export interface InstallReport {
  /** Packages with an install step, taken built from the checkout. */
  reused: string[];
  /** Packages with an install step rebuilt in place (no same-version copy in the checkout). */
  rebuilt: string[];
}

/** `npm install|ci <args>` in `dir` without install scripts, then the packages that need one, as described above. */
export function npmInstall(dir: string, args: string[], command: 'install' | 'ci' = 'install', timeoutMs = 15 * 60_000): InstallReport {
  execFileSync('npm', [command, ...args, '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: 'pipe', timeout: timeoutMs });
  const mine = new Map(packages(join(ROOT, 'node_modules')).map((p) => [`${p.name}@${p.version}`, p.dir]));
  const report: InstallReport = { reused: [], rebuilt: [] };
  for (const p of packages(join(dir, 'node_modules'))) {
    if (!needsBuild(p.dir)) continue;
    const built = mine.get(`${p.name}@${p.version}`);
    if (built) {
      rmSync(p.dir, { recursive: true, force: true });
      cpSync(built, p.dir, { recursive: true });
      report.reused.push(`${p.name}@${p.version}`);
    } else {
      execFileSync('npm', ['rebuild', p.name, '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe', timeout: timeoutMs });
      report.rebuilt.push(`${p.name}@${p.version}`);
    }
  }
  return report;
}
