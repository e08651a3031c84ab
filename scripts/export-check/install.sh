#!/usr/bin/env bash
# Installs the third-party readers the export tests check personahub's Parquet / Hugging Face output with
# (test/export/*.int.test.ts): pyarrow and Hugging Face `datasets`, pinned, into a venv in the project cache.
# Idempotent: a second run installs nothing. Prints nothing on stdout but the python path (for callers).
#
#   bash scripts/export-check/install.sh        # → ${PERSONAHUB_CACHE_DIR:-$HOME/.cache/personahub}/export-check/venv
set -euo pipefail
PYARROW_VERSION=26.0.1
DATASETS_VERSION=5.2.0
root="${PERSONAHUB_CACHE_DIR:-$HOME/.cache/personahub}/export-check"
venv="$root/venv"
py="$venv/bin/python"
log() { printf '[export-check] %s\n' "$*" >&2; }

if [[ -x "$py" ]] && "$py" -c "import pyarrow, datasets; assert pyarrow.__version__ == '$PYARROW_VERSION' and datasets.__version__ == '$DATASETS_VERSION'" 2>/dev/null; then
  log "pyarrow $PYARROW_VERSION and datasets $DATASETS_VERSION already installed in $venv"
else
  mkdir -p "$root"
  [[ -x "$py" ]] || python3 -m venv "$venv"
  log "installing pyarrow==$PYARROW_VERSION datasets==$DATASETS_VERSION into $venv"
  "$py" -m pip install --disable-pip-version-check -q "pyarrow==$PYARROW_VERSION" "datasets==$DATASETS_VERSION" >&2
  "$py" -c "import pyarrow, datasets; print('pyarrow', pyarrow.__version__, 'datasets', datasets.__version__)" >&2
fi
echo "$py"
