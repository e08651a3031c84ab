import { z } from 'zod';
import { LOCAL_DEFAULTS } from '../config/services.js';
import { MathSimOptions } from './math.js';

/**
 * Simulator options. Every decision the simulator makes is drawn from seeded generators, so a run with the same
 * options and the same requests (in the same order) behaves the same.
 */
export const LatencyOptions = z
  .object({
    dist: z.enum(['fixed', 'uniform', 'lognormal']).default('fixed').describe('Shape of the time-to-first-token'),
    ms: z.number().nonnegative().default(0).describe('fixed: the latency; lognormal: the median'),
    minMs: z.number().nonnegative().default(0).describe('uniform: lower bound'),
    maxMs: z.number().nonnegative().default(0).describe('uniform: upper bound'),
    sigma: z.number().nonnegative().default(0.5).describe('lognormal: standard deviation of ln(latency)'),
  })
  .prefault({});
export type LatencyOptions = z.infer<typeof LatencyOptions>;

export const FaultOptions = z
  .object({
    rateLimited: z.number().min(0).max(1).default(0).describe('Share of requests answered 429 with Retry-After'),
    serverError: z.number().min(0).max(1).default(0).describe('Share answered 500/502/503'),
    timeout: z.number().min(0).max(1).default(0).describe('Share never answered (held until the client gives up)'),
    malformed: z.number().min(0).max(1).default(0).describe('Share answered 200 with broken or schema-invalid JSON'),
    retryAfterMs: z.number().int().nonnegative().default(1000).describe('Retry-After sent with a 429'),
    retryAfterFormat: z
      .enum(['ms', 'seconds', 'date', 'both'])
      .default('both')
      .describe('ms: retry-after-ms only; seconds: Retry-After in whole seconds; date: HTTP date; both: ms + seconds'),
    hangMs: z.number().int().positive().default(600_000).describe('How long a "timeout" request is held at most'),
  })
  .prefault({})
  .refine((f) => f.rateLimited + f.serverError + f.timeout + f.malformed <= 1, 'fault rates add up to more than 1');
export type FaultOptions = z.infer<typeof FaultOptions>;

/**
 * How the simulated server treats structured-output requests, to emulate servers other than OpenAI's:
 * preset `openai` (the default: json_schema honoured) or `llama-cpp-python` (json_schema refused with HTTP 500,
 * json_object + schema honoured as a grammar, unconstrained JSON wrapped in code fences), or each knob alone.
 */
export const CompatOptions = z
  .object({
    jsonSchema: z.enum(['honour', 'reject', 'ignore']).default('honour').describe('response_format json_schema: fill the schema, answer 500, or answer as if no format was sent'),
    jsonObject: z.enum(['honour', 'ignore']).default('honour').describe('response_format json_object: bare JSON, or answer as if no format was sent'),
    jsonObjectSchema: z.enum(['honour', 'ignore']).default('ignore').describe('response_format json_object with a `schema` field: fill that schema, or ignore the field'),
    unconstrained: z
      .enum(['bare', 'fenced', 'chatty'])
      .default('bare')
      .describe('A reply not constrained by a schema (json_object or no format) to a prompt that carries a schema: bare JSON, ```json fenced, or JSON inside chatty text'),
  })
  .prefault({});
export type CompatOptions = z.infer<typeof CompatOptions>;

export const COMPAT_PRESETS: Record<string, Partial<CompatOptions>> = {
  openai: { jsonSchema: 'honour', jsonObject: 'honour', jsonObjectSchema: 'ignore', unconstrained: 'bare' },
  'llama-cpp-python': { jsonSchema: 'reject', jsonObject: 'honour', jsonObjectSchema: 'honour', unconstrained: 'fenced' },
  'plain-chat': { jsonSchema: 'ignore', jsonObject: 'ignore', jsonObjectSchema: 'ignore', unconstrained: 'chatty' },
};

/**
 * The Batch API (`/v1/files`, `/v1/batches`): how long a batch takes and which batches go wrong, by their ordinal
 * (1 = the first batch created), so a test knows exactly what happens.
 */
export const BatchOptions = z
  .object({
    completeAfterMs: z.number().int().nonnegative().default(500).describe('From creation until the batch is finished (validating for the first third)'),
    fail: z.array(z.number().int().positive()).default([]).describe('Ordinals of batches that end `failed` (no output file)'),
    expire: z.array(z.number().int().positive()).default([]).describe('Ordinals of batches that end `expired` with only the first half of their lines done'),
    partial: z.array(z.number().int().positive()).default([]).describe('Ordinals of batches where some lines fail (error file)'),
    lineErrorRate: z.number().min(0).max(1).default(0.2).describe('In a `partial` batch: share of lines answered 500 (chosen by a hash of custom_id)'),
  })
  .prefault({});
export type BatchOptions = z.infer<typeof BatchOptions>;

export const SimOptions = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(LOCAL_DEFAULTS.simulatorPort).describe('0 = any free port'),
  seed: z.number().int().default(1),
  latency: LatencyOptions,
  tokensPerSecond: z.number().nonnegative().default(0).describe('Output token rate added to the latency; 0 = instant'),
  slots: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe('Requests served at once; the rest wait in arrival order, as on a one-slot CPU server (llama.cpp). 0 = unlimited'),
  faults: FaultOptions,
  batch: BatchOptions,
  compat: CompatOptions,
  /** verify-math's solving calls: which problems the simulated attempts disagree on (see math.ts). */
  math: MathSimOptions,
  embeddingDims: z.number().int().positive().default(256),
  models: z.array(z.string()).default(['personahub-sim-1', 'personahub-sim-embed-1']),
  /** Arrival times, call keys and retry gaps kept for the statistics (oldest dropped first). */
  maxArrivals: z.number().int().positive().default(200_000),
});
export type SimOptions = z.infer<typeof SimOptions>;
export type SimOptionsInput = z.input<typeof SimOptions>;
