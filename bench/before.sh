#!/usr/bin/env bash
# The stage benchmark's "before" side, then the benchmark itself: before and after in one run, on one machine.
#
#   bash bench/before.sh [commit]     # default 21b6157, main before the codec fast path (issue #10, perf-10);
#                                     # 1399485 is main before the runtime hot-path work, d64d40c the last on kafkajs
#
# Makes a detached git worktree of the commit under .bench-before/<commit> (once) and gives it dependencies: a link
# to this tree's node_modules when the lockfiles are identical (no second native build of the Kafka client), else
# `npm ci` there. A tree without a stage benchmark of its own (the kafkajs one) gets bench/before/*.ts copied into
# its bench/. Then runs `npm run bench -- stage` here with PERSONAHUB_BENCH_BEFORE set to that tree. Needs the
# local stack (`npm run stack:up`). To reuse an existing checkout of the old commit instead:
# PERSONAHUB_BENCH_BEFORE=/path/to/tree PERSONAHUB_BENCH_BEFORE_REV=<commit> npm run bench -- stage.
set -euo pipefail
commit=${1:-21b6157}
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.bench-before/$commit"
if [ ! -d "$dir" ]; then
  git -C "$root" worktree add --detach "$dir" "$commit" >&2
fi
if [ ! -e "$dir/node_modules" ]; then
  if cmp -s "$root/package-lock.json" "$dir/package-lock.json"; then
    ln -s "$root/node_modules" "$dir/node_modules"
  else
    (cd "$dir" && npm ci --no-audit --no-fund >&2)
  fi
fi
[ -f "$dir/bench/stage-once.ts" ] || cp "$root"/bench/before/*.ts "$dir/bench/"
cd "$root"
PERSONAHUB_BENCH_BEFORE="$dir" PERSONAHUB_BENCH_BEFORE_REV="$commit" exec npm run bench -- stage
