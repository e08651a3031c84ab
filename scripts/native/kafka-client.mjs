#!/usr/bin/env node
/**
 * Makes @confluentinc/kafka-javascript's native binding available; run by `npm ci` / `npm install` (postinstall).
 *
 * Why this exists (measured on our machines, which reach the npm registry but no other host):
 *  - the package's own install script (node-pre-gyp) first downloads a prebuilt binary from a host we cannot reach,
 *    then falls back to a static build whose configure step downloads OpenSSL/zstd/... sources: both fail;
 *  - `CKJS_LINKING=dynamic` builds librdkafka from the package's bundled sources against Debian's libssl and zlib
 *    (packages libssl-dev, zlib1g-dev): ~6 min on 2 cores.
 * So package.json disables the package's own install script (`allowScripts`) and this script builds it dynamically,
 * once per machine: the result (the .node addon and the librdkafka shared objects it loads through its
 * `$ORIGIN/../deps` rpath) is kept in a cache keyed by package version, Node ABI, platform and arch, and later
 * installs copy it in (< 1 s).
 *
 * Cache: $PERSONAHUB_NATIVE_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/personahub/native. Idempotent; exit 1 with the
 * build log's tail when the build fails (missing compiler or -dev packages are named).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const PKG = '@confluentinc/kafka-javascript';

function log(msg) {
  process.stderr.write(`[kafka-client] ${msg}\n`);
}

let pkgDir;
try {
  pkgDir = dirname(require.resolve(`${PKG}/package.json`));
} catch {
  log(`${PKG} is not installed here; nothing to build`);
  process.exit(0);
}
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
const key = `${version}-node-abi${process.versions.modules}-${process.platform}-${process.arch}`;
const cacheRoot = process.env.PERSONAHUB_NATIVE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'personahub', 'native');
const cached = join(cacheRoot, `kafka-javascript-${key}`);
const built = join(pkgDir, 'build');

/** True when the binding loads in a fresh Node process (a failed dlopen must not poison this process). */
function loads() {
  try {
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(join(pkgDir, 'lib', 'index.js'))})`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function copyBuild(from, to) {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(join(to, 'Release'), { recursive: true });
  cpSync(join(from, 'Release', 'confluent-kafka-javascript.node'), join(to, 'Release', 'confluent-kafka-javascript.node'));
  cpSync(join(from, 'deps'), join(to, 'deps'), { recursive: true, verbatimSymlinks: true });
}

if (existsSync(join(built, 'Release', 'confluent-kafka-javascript.node')) && loads()) {
  log(`native binding present (${key})`);
  process.exit(0);
}
if (existsSync(join(cached, 'Release', 'confluent-kafka-javascript.node'))) {
  copyBuild(cached, built);
  if (loads()) {
    log(`native binding restored from cache ${cached}`);
    process.exit(0);
  }
  log(`cached binding at ${cached} does not load on this machine; rebuilding`);
}

log(`building librdkafka + binding from source (CKJS_LINKING=dynamic; ~6 min on 2 cores, once per machine; cache ${cached})`);
const nodeGyp = process.env.npm_config_node_gyp ?? join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const logFile = join(cacheRoot, `build-${key}.log`);
mkdirSync(cacheRoot, { recursive: true });
try {
  execFileSync(process.execPath, [nodeGyp, 'rebuild'], {
    cwd: pkgDir,
    env: { ...process.env, CKJS_LINKING: 'dynamic', JOBS: process.env.JOBS ?? 'max' },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
} catch (e) {
  const out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  try {
    (await import('node:fs')).writeFileSync(logFile, out);
  } catch {}
  log(out.split('\n').slice(-30).join('\n'));
  log(`build failed (full log: ${logFile}). It needs g++, make, python3 and Debian's libssl-dev and zlib1g-dev.`);
  process.exit(1);
}
if (!loads()) {
  log('the freshly built binding does not load');
  process.exit(1);
}
// Publish to the cache atomically (rename), so a concurrent install never copies a half-written cache entry.
const tmp = `${cached}.tmp-${process.pid}`;
copyBuild(built, tmp);
rmSync(cached, { recursive: true, force: true });
renameSync(tmp, cached);
log(`built and cached at ${cached}`);
