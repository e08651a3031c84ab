import { z } from 'zod';
import { LOCAL_DEFAULTS } from '../config/services.js';

export const EndpointConfig = z.object({
  baseUrl: z.string().describe('OpenAI-compatible base URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1'),
  apiKeyEnv: z.string().default('OPENAI_API_KEY').describe('Environment variable holding the API key (may be unset for local servers)'),
  maxInFlight: z.number().int().positive().default(64),
  requestsPerMinute: z.number().positive().default(600),
  tokensPerMinute: z.number().positive().default(1_000_000),
  timeoutMs: z.number().int().positive().default(60_000),
  maxAttempts: z.number().int().min(1).default(6).describe('HTTP attempts per call (429/5xx/timeouts/malformed)'),
});
export type EndpointConfig = z.infer<typeof EndpointConfig>;

export const ModelPrice = z.object({
  inputPerMTok: z.number().nonnegative().describe('USD per million input tokens'),
  outputPerMTok: z.number().nonnegative().describe('USD per million output tokens'),
});

const SIM_URL = `http://127.0.0.1:${LOCAL_DEFAULTS.simulatorPort}/v1`;

export const LlmConfig = z
  .object({
    endpoint: EndpointConfig.default({
      baseUrl: SIM_URL, apiKeyEnv: 'OPENAI_API_KEY', maxInFlight: 64, requestsPerMinute: 600, tokensPerMinute: 1_000_000,
      timeoutMs: 60_000, maxAttempts: 6,
    }),
    model: z.string().default('personahub-sim-1').describe('Default chat model'),
    embeddingModel: z.string().default('personahub-sim-embed-1'),
    params: z
      .object({ temperature: z.number().min(0).max(2).default(0.7), top_p: z.number().min(0).max(1).default(1), max_tokens: z.number().int().positive().default(1024) })
      .default({ temperature: 0.7, top_p: 1, max_tokens: 1024 }),
    prices: z.record(z.string(), ModelPrice).default({}).describe('Price table by model name, for cost estimates'),
    budgetUsd: z.number().positive().optional().describe('Pause LLM work once estimated spend reaches this'),
  })
  .default({
    endpoint: { baseUrl: SIM_URL, apiKeyEnv: 'OPENAI_API_KEY', maxInFlight: 64, requestsPerMinute: 600, tokensPerMinute: 1_000_000, timeoutMs: 60_000, maxAttempts: 6 },
    model: 'personahub-sim-1',
    embeddingModel: 'personahub-sim-embed-1',
    params: { temperature: 0.7, top_p: 1, max_tokens: 1024 },
    prices: {},
  });
export type LlmConfig = z.infer<typeof LlmConfig>;
