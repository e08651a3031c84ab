#!/usr/bin/env bash
# Prints the path of a kustomize binary, building it once from the Go module proxy if it is not cached:
# sigs.k8s.io/kustomize/kustomize/v5 at the version pinned below (the newest that builds with the machine's Go 1.26;
# v5.8 needs Go 1.27), installed into ${PERSONAHUB_CACHE_DIR:-$HOME/.cache/personahub}/kustomize/<version>.
# The first build takes a few minutes on 2 cores; later calls return at once. Needs `go` on PATH.
# Used by test/ops/kustomize.int.test.ts (rendering deploy/k8s offline) and called from .ci/run.
set -euo pipefail
VERSION="${PERSONAHUB_KUSTOMIZE_VERSION:-v5.7.1}"
DIR="${PERSONAHUB_CACHE_DIR:-$HOME/.cache/personahub}/kustomize/$VERSION"
BIN="$DIR/kustomize"
if [[ ! -x "$BIN" ]]; then
  command -v go >/dev/null || { echo "kustomize.sh: go is needed to build kustomize $VERSION" >&2; exit 1; }
  mkdir -p "$DIR"
  echo "kustomize.sh: building kustomize $VERSION from the Go module proxy into $DIR" >&2
  GOBIN="$DIR" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false go install "sigs.k8s.io/kustomize/kustomize/v5@$VERSION" >&2
fi
echo "$BIN"
