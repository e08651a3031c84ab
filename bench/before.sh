#!/usr/bin/env bash
# The stage benchmark's "before" side, then the benchmark itself: before and after in one run, on one machine.
#
#   bash bench/before.sh [commit]     # default d64d40c, the last main on kafkajs 2.2.4
#
# Makes a detached git worktree of the commit under .bench-before/<commit> (once), installs its dependencies with
# `npm ci` (the npm registry only; kafkajs is plain JavaScript), copies bench/before/*.ts into its bench/ (the old
# tree has no stage benchmark of its own), then runs `npm run bench -- stage` here with PERSONAHUB_BENCH_BEFORE set
# to that tree. Needs the local stack (`npm run stack:up`). To reuse an existing checkout of the old commit instead:
# PERSONAHUB_BENCH_BEFORE=/path/to/tree npm run bench -- stage (after copying bench/before/*.ts into its bench/).
set -euo pipefail
commit=${1:-d64d40c}
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.bench-before/$commit"
if [ ! -d "$dir" ]; then
  git -C "$root" worktree add --detach "$dir" "$commit" >&2
fi
if [ ! -d "$dir/node_modules" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund >&2)
fi
cp "$root"/bench/before/*.ts "$dir/bench/"
cd "$root"
PERSONAHUB_BENCH_BEFORE="$dir" exec npm run bench -- stage
