# Shared variables for scripts/real-llm/*.sh (sourced, not executed).
REAL_LLM_SERVER_VERSION=0.3.36
REAL_LLM_ROOT="${PERSONAHUB_CACHE_DIR:-$HOME/.cache/personahub}/real-llm"
REAL_LLM_VENV="$REAL_LLM_ROOT/venv"
REAL_LLM_PY="$REAL_LLM_VENV/bin/python"
# The wheel is compiled for this CPU (-march=native): key the cache by CPU model and flags.
REAL_LLM_CPU_KEY="$( (grep -m1 'model name' /proc/cpuinfo; grep -m1 '^flags' /proc/cpuinfo; uname -m) 2>/dev/null | sha256sum | cut -c1-12)"
REAL_LLM_WHEELS="$REAL_LLM_ROOT/wheels/$REAL_LLM_CPU_KEY"
REAL_LLM_MODELS="$REAL_LLM_ROOT/models"
REAL_LLM_MODEL="${PERSONAHUB_REAL_LLM_MODEL:-qwen2.5-0.5b-instruct-q4_k_m}"
REAL_LLM_GGUF="$REAL_LLM_MODELS/$REAL_LLM_MODEL.gguf"
REAL_LLM_PORT="${PERSONAHUB_REAL_LLM_PORT:-18090}"
REAL_LLM_RUN="$REAL_LLM_ROOT/run"
