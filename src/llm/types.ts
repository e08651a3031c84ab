import type { z } from 'zod';
import type { CacheMark, Usage } from '../contracts/provenance.js';
import type { SamplingParams } from './config.js';

/**
 * The small interface stages depend on. The real implementation (src/llm/client.ts) uses the `openai` client
 * against any OpenAI-compatible base URL with limits, retries, a circuit breaker and usage accounting; tests may
 * hand a stage a fake that implements this.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface StructuredRequest<T> {
  /** Labels for metrics and cost accounting (bounded sets). */
  stage: string;
  scenario?: string;
  /** System prompt: instructions only. Untrusted text (web pages, personas) goes in `messages` as user content. */
  messages: ChatMessage[];
  /** Output contract: sent as a strict json_schema response format and used to validate the reply. */
  schema: z.ZodType<T>;
  schemaName: string;
  /**
   * A check the schema cannot express because it depends on this call's input (extract: a persona must not be a
   * passage pasted from the page). It runs on a schema-valid reply; a returned reason makes the reply malformed:
   * re-asked with that reason like a schema failure, and after `maxMalformedReplies` the call fails
   * `llm_malformed_reply` with it. Not applied to replies answered from the response cache (checked when stored).
   */
  check?: (value: T) => string | undefined;
  /** Override of the configured model / sampling params for this call. */
  model?: string;
  params?: SamplingParams;
  signal?: AbortSignal;
}

export interface StructuredResult<T> {
  value: T;
  /** Model name as reported by the endpoint. */
  model: string;
  /** True when the endpoint identified itself as the personahub simulator. */
  simulated: boolean;
  usage: Usage;
  /** Attempts it took (1 = first try succeeded; 0 = answered from the response cache). */
  attempts: number;
  params: Record<string, string | number | boolean | null>;
  /** Set when the response cache was consulted (llm.cache): hit = answered from it, no call made. */
  cache?: CacheMark;
}

export interface EmbeddingResult {
  vectors: number[][];
  model: string;
  usage: Usage;
}

import type { PauseGate } from './budget/gate.js';

export interface LlmClient {
  /** The pause gate of a stage's budgets (llm.budgets), or undefined when none applies. */
  gate?(stage: string, scenario?: string): PauseGate | undefined;
  complete<T>(req: StructuredRequest<T>): Promise<StructuredResult<T>>;
  embed(req: { stage: string; input: string[]; model?: string; signal?: AbortSignal }): Promise<EmbeddingResult>;
  close?(): Promise<void>;
}
