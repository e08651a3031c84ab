#!/usr/bin/env bash
# Start, stop or check the local real OpenAI-compatible server (llama-cpp-python) with the cached model.
#   bash scripts/real-llm/server.sh start    # installs first if needed (idempotent), prints the base URL when ready
#   bash scripts/real-llm/server.sh stop     # stops only the server this script started (pid file)
#   bash scripts/real-llm/server.sh status   # prints the base URL and exits 0 if it answers
# Variables: PERSONAHUB_REAL_LLM_MODEL (qwen2.5-0.5b-instruct-q4_k_m, the default | qwen2.5-coder-1.5b-instruct-q4_k_m),
# PERSONAHUB_REAL_LLM_PORT (18090), PERSONAHUB_REAL_LLM_THREADS (1: faster than 2 on a loaded 2-core machine),
# PERSONAHUB_REAL_LLM_CTX (4096), PERSONAHUB_REAL_LLM_START_TIMEOUT_S (180).
# Binds 127.0.0.1 only. The model is served under its name (--model_alias), so replies carry the real model name.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"
url="http://127.0.0.1:$REAL_LLM_PORT/v1"
pidfile="$REAL_LLM_RUN/server-$REAL_LLM_PORT.pid"
logfile="$REAL_LLM_RUN/server-$REAL_LLM_PORT.log"

answers() { curl -fsS -m 5 "$url/models" 2>/dev/null | grep -q "\"$REAL_LLM_MODEL\""; }

case "${1:-}" in
  start)
    if answers; then echo "$url"; exit 0; fi
    bash "$here/install.sh" >&2
    mkdir -p "$REAL_LLM_RUN"
    nohup "$REAL_LLM_PY" -m llama_cpp.server --model "$REAL_LLM_GGUF" --model_alias "$REAL_LLM_MODEL" \
      --host 127.0.0.1 --port "$REAL_LLM_PORT" --n_ctx "${PERSONAHUB_REAL_LLM_CTX:-4096}" \
      --n_threads "${PERSONAHUB_REAL_LLM_THREADS:-1}" >"$logfile" 2>&1 &
    echo $! >"$pidfile"
    deadline=$((SECONDS + ${PERSONAHUB_REAL_LLM_START_TIMEOUT_S:-180}))
    until answers; do
      if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "real-llm server exited; log: $logfile" >&2; tail -n 20 "$logfile" >&2; exit 1; fi
      if ((SECONDS > deadline)); then echo "real-llm server not ready in time; log: $logfile" >&2; exit 1; fi
      sleep 1
    done
    echo "$url"
    ;;
  stop)
    if [[ -f "$pidfile" ]]; then
      pid="$(cat "$pidfile")"
      if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      fi
      rm -f "$pidfile"
    fi
    ;;
  status)
    if answers; then echo "$url"; else exit 1; fi
    ;;
  *) echo "usage: server.sh start|stop|status" >&2; exit 2 ;;
esac
