import { z } from 'zod';
import { LOCAL_DEFAULTS } from '../config/services.js';
import { STRUCTURED_MODES } from './structured-output.js';
import { LlmCacheConfig } from './cache/config.js';
import { LlmBudgetsConfig } from './budget/config.js';
import { LlmBatchConfig } from './batch/config.js';

/**
 * The `llm` section. Limits are per endpoint and shared by every stage of a process (one limiter per base URL).
 * Precedence of model and sampling params for a call: the request's own > `scenarios[scenario]` >
 * `stages[stage]` > the defaults here.
 */
export const EndpointConfig = z.object({
  baseUrl: z.string().describe('OpenAI-compatible base URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1'),
  provider: z
    .string()
    .regex(/^[a-z0-9_.-]+$/)
    .default('openai')
    .describe('gen_ai.provider.name in the OpenTelemetry GenAI metrics (well-known values: openai, azure.ai.openai, ...; name your own for vLLM, Ollama, ...)'),
  apiKeyEnv: z.string().default('OPENAI_API_KEY').describe('Environment variable holding the API key (may be unset for local servers)'),
  transport: z
    .enum(['http', 'openai'])
    .default('http')
    .describe('http: chat and embeddings over node:http(s) with a keep-alive agent (about 6x less client CPU per call); openai: through the openai package and fetch'),
  maxInFlight: z.number().int().positive().default(64).describe('Requests open at once against this endpoint (the upper bound of adaptive concurrency)'),
  adaptiveConcurrency: z
    .boolean()
    .default(true)
    .describe('AIMD between minInFlight and maxInFlight: lower on 429/5xx/timeouts and on replies slower than latencyTolerance x their baseline, raise again while replies stay fast (src/llm/adaptive.ts)'),
  minInFlight: z.number().int().positive().default(1).describe('Adaptive concurrency never goes below this'),
  latencyTolerance: z.number().min(1.1).default(2.5).describe('A reply slower than this many times the fastest recent reply of its kind signals a queue at the server'),
  latencyFloorMs: z
    .number()
    .nonnegative()
    .default(20)
    .describe('A reply only signals a queue when it is also this many ms over the baseline (after this process\'s own event-loop delay is taken off)'),
  requestsPerMinute: z.number().positive().default(6_000).describe('Starts are paced evenly at this rate (GCRA) and capped per sliding window'),
  tokensPerMinute: z.number().positive().default(10_000_000).describe('Input tokens estimated before a call (chars/4), corrected to input+output reported after'),
  rateWindowMs: z
    .number()
    .int()
    .positive()
    .default(60_000)
    .describe('Sliding window over which the per-minute limits are enforced, scaled to its length (tests use short windows)'),
  rateGuardMs: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('Margin added to the window for transit jitter (default max(1% of the window, 20 ms)): the server must not see more than the limit in its own window'),
  timeoutMs: z.number().int().positive().default(60_000).describe('Per HTTP attempt'),
  maxAttempts: z.number().int().min(1).default(6).describe('HTTP attempts per call (429/5xx/timeouts/connection errors/malformed replies)'),
  maxMalformedReplies: z.number().int().min(1).default(3).describe('Malformed replies tolerated per call before it is poison'),
  backoffBaseMs: z.number().int().positive().default(500).describe('First retry backoff; doubles per attempt, full jitter'),
  backoffMaxMs: z.number().int().positive().default(30_000),
  maxTokensParam: z
    .enum(['max_tokens', 'max_completion_tokens'])
    .default('max_tokens')
    .describe('Request field for the reply-length cap: OpenAI reasoning models want max_completion_tokens; most compatible servers take max_tokens'),
  holdOn429: z.boolean().default(true).describe('After a 429, hold every new request to this endpoint for its Retry-After'),
  breakerFailures: z.number().int().positive().default(8).describe('Consecutive 5xx/timeouts/connection errors that open the circuit'),
  breakerHalfOpenAfterMs: z.number().int().positive().default(10_000).describe('How long the circuit stays open before one probe'),
});
export type EndpointConfig = z.infer<typeof EndpointConfig>;

export const ModelPrice = z.object({
  inputPerMTok: z.number().nonnegative().describe('USD per million input tokens'),
  outputPerMTok: z.number().nonnegative().describe('USD per million output tokens'),
  cachedInputPerMTok: z
    .number()
    .nonnegative()
    .optional()
    .describe('USD per million input tokens the provider served from its prompt cache (usage.prompt_tokens_details.cached_tokens); default: the input price'),
  batchDiscount: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe('Share of the price charged for calls made through the Batch API (OpenAI: 0.5)'),
});
export type ModelPrice = z.infer<typeof ModelPrice>;
export type ModelPriceInput = z.input<typeof ModelPrice>;

export const SamplingParams = z.object({
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
});
export type SamplingParams = z.infer<typeof SamplingParams>;

export const CallOverride = z.object({
  mode: z
    .enum(['online', 'batch'])
    .optional()
    .describe('online: one HTTP request per call; batch: through the Batch API (/v1/files + /v1/batches, llm.batch), at the batch price'),
  model: z.string().optional(),
  params: SamplingParams.optional(),
  timeoutMs: z.number().int().positive().optional(),
});
export type CallOverride = z.infer<typeof CallOverride>;

export const SIM_URL = `http://127.0.0.1:${LOCAL_DEFAULTS.simulatorPort}/v1`;

/** Request and token rates used against personahub's own simulator (nobody is billed, nothing is shared). */
export const SIMULATOR_RATES = { requestsPerMinute: 60_000, tokensPerMinute: 1e9 } as const;

/**
 * The one place that decides the LLM rate limits of `run` and `up` alike: against the simulator at its default URL
 * (`personahub sim`, or the one `up` starts), the pacing meant for real endpoints is lifted so a demo or a test is
 * bound by the pipeline, not by an artificial limit. A configured real endpoint keeps its configured limits.
 * Returns true when the endpoint is the default simulator.
 */
export function applySimulatorRates(endpoint: EndpointConfig): boolean {
  if (endpoint.baseUrl !== SIM_URL) return false;
  endpoint.requestsPerMinute = Math.max(endpoint.requestsPerMinute, SIMULATOR_RATES.requestsPerMinute);
  endpoint.tokensPerMinute = Math.max(endpoint.tokensPerMinute, SIMULATOR_RATES.tokensPerMinute);
  return true;
}

export const LlmConfig = z
  .object({
    endpoint: EndpointConfig.prefault({ baseUrl: SIM_URL }),
    model: z.string().default('personahub-sim-1').describe('Default chat model'),
    structuredOutput: z
      .enum(['auto', ...STRUCTURED_MODES])
      .default('auto')
      .describe(
        'How structured replies are requested: auto probes the endpoint once per model (json_schema, then json_object with schema, then json_object, then prompt); see docs/llm.md',
      ),
    embeddingModel: z.string().default('personahub-sim-embed-1'),
    // SamplingParams with defaults, derived rather than listed again: a separate list here once lacked `seed`, so zod
    // stripped a configured seed and it never reached the server.
    params: SamplingParams.extend({
      temperature: SamplingParams.shape.temperature.unwrap().default(0.7),
      top_p: SamplingParams.shape.top_p.unwrap().default(1),
      max_tokens: SamplingParams.shape.max_tokens.unwrap().default(1024),
    }).prefault({}),
    stages: z.record(z.string(), CallOverride).default({}).describe('Per-stage model/params/timeout overrides'),
    scenarios: z.record(z.string(), CallOverride).default({}).describe('Per-scenario overrides (win over the stage\'s)'),
    prices: z.record(z.string(), ModelPrice).default({}).describe('Price table by model name (exact, else longest prefix), for cost estimates'),
    budgetUsd: z.number().positive().optional().describe('Pause LLM work once estimated spend reaches this'),
    batch: LlmBatchConfig.describe('How calls configured mode: batch are grouped, submitted and polled (src/llm/batch/)'),
    budgets: LlmBudgetsConfig.describe('Limits per scenario and per stage (USD, tokens, requests), shared by every instance (src/llm/budget/)'),
    cache: LlmCacheConfig.describe('Response cache on a compacted topic, shared by every process and run (src/llm/cache/)'),
    budgetMode: z
      .enum(['pause', 'fail'])
      .default('pause')
      .describe('pause: calls wait (abortable) until the budget is raised; fail: calls fail retriable budget_exhausted'),
  })
  .prefault({});
export type LlmConfig = z.infer<typeof LlmConfig>;
export type LlmConfigInput = z.input<typeof LlmConfig>;
