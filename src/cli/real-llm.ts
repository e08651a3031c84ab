import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fatal } from '../errors.js';
import type { Config } from '../config/schema.js';

/**
 * The local real model (`personahub up --real-llm`, `npm run test:real-llm`, the prompt-quality bench): a real
 * third-party OpenAI-compatible server (llama-cpp-python) with a small instruction-tuned model, installed into the
 * project cache by scripts/real-llm/install.sh and started on 127.0.0.1 by scripts/real-llm/server.sh.
 *
 * `realLlmProfile` sizes the flow for one CPU slot: one request in flight (the server runs one completion at a time;
 * more would only queue there and time out), long timeouts, one persona per page and one related persona (1 hop):
 * each page costs about 15 calls (extract, expand, 6 scenarios for each of its 2 personas).
 */
const SERVER_SCRIPT = fileURLToPath(new URL('../../scripts/real-llm/server.sh', import.meta.url));
export const DEFAULT_REAL_MODEL = 'qwen2.5-0.5b-instruct-q4_k_m';

export interface LocalRealLlm {
  url: string;
  model: string;
  /** True when this process started the server (and `stop` will stop it). */
  started: boolean;
  stop(): void;
}

function script(cmd: 'start' | 'stop' | 'status', env: NodeJS.ProcessEnv): { code: number; out: string; err: string } {
  const r = spawnSync('bash', [SERVER_SCRIPT, cmd], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60 * 60_000 });
  return { code: r.status ?? 1, out: r.stdout.trim(), err: r.stderr };
}

/** Start the local real server (installing it first if needed; the first install builds for ~20 min). */
export function startLocalRealLlm(env: NodeJS.ProcessEnv = process.env, progress: (line: string) => void = () => {}): LocalRealLlm {
  const model = env.PERSONAHUB_REAL_LLM_MODEL ?? DEFAULT_REAL_MODEL;
  const running = script('status', env);
  if (running.code !== 0) progress(`starting the local real model ${model} (scripts/real-llm/server.sh; first use installs it into the cache)`);
  const r = running.code === 0 ? running : script('start', env);
  if (r.code !== 0) throw fatal('config_invalid', `could not start the local real LLM server:\n${r.err.split('\n').slice(-15).join('\n')}`);
  const url = r.out.split('\n').at(-1)!;
  const started = running.code !== 0;
  return { url, model, started, stop: () => void (started && script('stop', env)) };
}

/** Point the config at the local real server and size the flow for it (a few personas per page, one hop). */
export function realLlmProfile(config: Config, llm: { url: string; model: string }): void {
  config.llm.endpoint.baseUrl = llm.url;
  config.llm.model = llm.model;
  config.llm.structuredOutput = config.llm.structuredOutput ?? 'auto';
  config.llm.endpoint.maxInFlight = 1;
  // Minutes, not seconds: a CPU completion of a few hundred tokens on one thread takes 5–60 s, more under load.
  config.llm.endpoint.timeoutMs = Math.max(config.llm.endpoint.timeoutMs, 600_000);
  config.llm.endpoint.breakerFailures = Math.max(config.llm.endpoint.breakerFailures, 8);
  config.llm.params.max_tokens = Math.min(config.llm.params.max_tokens, 768);
  // A small model's bad replies (a pasted page, a loop cut off at max_tokens) come one attempt at a time: measured
  // 2026-11-28 with the 0.5B, 3 re-asks in a row failed for one page in 9 extract calls, the next call on it passed.
  // Each extra re-ask costs one call; a dead letter costs the record.
  config.llm.endpoint.maxMalformedReplies = Math.max(config.llm.endpoint.maxMalformedReplies, 5);
  config.llm.endpoint.maxAttempts = Math.max(config.llm.endpoint.maxAttempts, 8);
  // No fixed seed. Measured 2026-11-28 with seed 7 (before, the config schema dropped it, so it was never sent): the
  // 0.5B then echoed the whole recipe page as its persona on every run. A seed set in the config is sent, and each
  // re-ask after a malformed reply moves it on by one.
  config.stages.extract.maxPersonas = Math.min(config.stages.extract.maxPersonas, 1);
  config.stages.extract.maxInputTokens = Math.min(config.stages.extract.maxInputTokens, 600);
  config.stages.expand.maxHops = Math.min(config.stages.expand.maxHops, 1);
  config.stages.expand.fanOut = Math.min(config.stages.expand.fanOut, 1);
  config.stages.expand.maxPersonasPerDocument = Math.min(config.stages.expand.maxPersonasPerDocument, 2);
  // The local server serves a chat model without embeddings: no calls for the diversity similarity sample.
  config.stages.diversity.embeddingEvery = 0;
}
