import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding personahub's package.json: the repository root in a checkout (sources run by tsx from
 * src/) and the installed package's root when built (dist/src/...). Files shipped beside the code (schemas/,
 * data/sample/, deploy/local/) are found from here, never by a fixed number of `../` from a source file.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'personahub') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`personahub: no package.json named "personahub" above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export const PACKAGE_ROOT = findRoot();

/** A path inside the package, e.g. packagePath('schemas'). */
export const packagePath = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);
