import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/**
 * Temporary folders for tests, removed when their owner is done, pass or fail: made inside a test, when that test
 * finishes; made while the file is collected (top level or a describe body), after that file's or suite's tests.
 * PERSONAHUB_KEEP_TMP=1 keeps them for a post-mortem (their paths are printed).
 *
 * Hazard: do not call it from beforeAll/afterAll — vitest 4 silently never runs an afterAll registered from inside
 * beforeAll (tried), so such a folder would stay; hooks remove their own folders (see private-stack.ts).
 */
const keep = process.env.PERSONAHUB_KEEP_TMP === '1';

function remove(dir: string): void {
  if (keep) process.stdout.write(`[tmp] kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}

/** A new empty folder under the OS temp dir whose name starts with `prefix`. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    onTestFinished(() => remove(dir)); // throws outside a running test
  } catch {
    afterAll(() => remove(dir)); // collection time
  }
  return dir;
}
