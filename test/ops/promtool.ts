import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Debian's `promtool` (package `prometheus`). The ops tests need it: the local stack installs it, CI installs it
 * with apt-get. Missing is a test failure with a hint, not a silent skip.
 */
export function promtool(args: string[], cwd?: string): { code: number; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`cannot run promtool (apt-get install prometheus): ${r.error.message}`);
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

export function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
