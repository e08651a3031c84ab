import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BrokenCircuitError, CircuitState, IsolatedCircuitError, TaskCancelledError } from 'cockatiel';
import OpenAI from 'openai';
import type { z } from 'zod';
import { poison, retriable, isPersonahubError, PersonahubError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics/catalogue.js';
import { SIM_MODEL_PREFIX, SIMULATOR_FINGERPRINT, SIMULATOR_HEADER, CALL_ID_HEADER } from '../sim/labels.js';
import { backoffMs, sleep } from './backoff.js';
import { classifyAttemptError, isEndpointFailure } from './classify-error.js';
import { LlmConfig, type LlmConfigInput, type SamplingParams } from './config.js';
import { sharedEndpoint, type EndpointShared } from './endpoint.js';
import { UsageLedger, type Labels } from './ledger.js';
import { probeStructuredOutput, type ProbeResult } from './probe-structured.js';
import { dropNulls, strictJsonSchema } from './strict-schema.js';
import { extractJson, structuredRequest } from './structured-output.js';
import { HttpTransport } from './http-transport.js';
import type { SharedBudgets } from './budget/budgets.js';
import { BatchQueue } from './batch/queue.js';
import type { PauseGate } from './budget/gate.js';
import { cacheKey, cacheModeFor, type CacheMode, type ResponseCache } from './cache/index.js';
import type { ChatMessage, EmbeddingResult, LlmClient, StructuredRequest, StructuredResult } from './types.js';
import { passageFinder } from '../util/word-runs.js';

/**
 * The LlmClient over the `openai` package, for any OpenAI-compatible base URL.
 *
 * One logical call = up to `maxAttempts` HTTP attempts. Each attempt passes, in order: the budget gate, the
 * endpoint's circuit breaker (open → fail fast, retriable `llm_circuit_open`), the endpoint's limiter (in flight,
 * requests and tokens per window; shared by every client of the endpoint in this process), then one HTTP request
 * with the `openai` client's own retries disabled, so every retry is ours and counted. Between attempts: backoff
 * with jitter, never shorter than Retry-After; a 429 also holds the whole endpoint for its Retry-After.
 * The structured-output mode (`llm.structuredOutput`, probed once per endpoint and model when `auto`) decides how
 * the schema is asked for. A reply wrapped in code fences or chatty text is repaired when that is unambiguous
 * (structured-output.ts); a reply that is still not JSON or not schema-valid is re-asked at once (with a short note
 * on what was wrong), up to `maxMalformedReplies`, then the call fails `poison` `llm_malformed_reply`.
 */
export interface LlmClientOptions {
  metrics?: Metrics;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Random source for backoff jitter (tests may fix it). */
  random?: () => number;
  /** The response cache (llm.cache); without one every call goes to the endpoint whatever the config says. */
  cache?: ResponseCache;
  /** Per-scenario / per-stage budgets (llm.budgets), shared through the spend ledger. */
  budgets?: SharedBudgets;
}

const SCENARIO_NONE = 'none';

/** gen_ai.operation.name values this client performs (OpenTelemetry GenAI semantic conventions). */
type GenAiOperation = 'chat' | 'embeddings';

function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'reply';
}

/**
 * The sampling params for a call's `reasks`-th re-ask: a fixed seed moves on by one per re-ask. A seeded server
 * (llama.cpp) answers the same prompt under the same seed the same way, and a re-ask's prompt differs only by the
 * bad reply and a short note: measured with a 0.5B model stuck in a repetition loop, three attempts under seed 7
 * gave the same 768-token loop each time. Without a configured seed nothing is added (the server's own randomness).
 */
function reaskSeed(params: Params, reasks: number): Params {
  return reasks === 0 || params.seed === undefined ? params : { ...params, seed: params.seed + reasks };
}

function estimateTokens(messages: ChatMessage[]): number {
  return messages.reduce((n, m) => n + Math.ceil(m.content.length / 4) + 4, 0);
}

type Params = SamplingParams;

/** Marker for a reply that arrived but cannot be used; retried by re-asking. */
class MalformedReply extends PersonahubError {
  constructor(
    readonly reason: string,
    readonly content: string,
    /** The reply stopped at max_tokens: incomplete, so there is nothing in it to correct. */
    readonly cutOff = false,
  ) {
    super('poison', 'llm_malformed_reply', `malformed LLM reply: ${reason}; the reply: ${excerpt(content)}`);
  }
}

/**
 * A bounded view of a reply for an error message and so a dead letter's reason: an operator (and a test's failure
 * output) sees what the model sent, not only that it was unusable. Never part of a re-ask note.
 */
function excerpt(content: string, each = 100): string {
  if (content.length <= 2 * each + 20) return JSON.stringify(content);
  return `${content.length} chars, ${JSON.stringify(content.slice(0, each))} … ${JSON.stringify(content.slice(-each))}`;
}

/**
 * The conversation for re-ask number `n` (1 = the first) after `bad`. The first re-ask is the original, the bad
 * reply and a note on what was wrong, so the model can correct it. Later ones are the original and the note only:
 * seen with the real 0.5B model, a model shown its bad reply tends to write it again (a pasted page stayed pasted
 * for 5 attempts in a row), so after one correction that did not take, a fresh answer is the better chance.
 * A reply cut off at max_tokens is never echoed: it is incomplete, from a small model usually a repetition loop
 * ("… adds to the heat, adds to the heat …") that would add up to max_tokens of prompt and invite more of the same.
 */
function reaskMessages(original: ChatMessage[], bad: MalformedReply, n: number): ChatMessage[] {
  if (bad.cutOff)
    return [...original, { role: 'user', content: 'Your last reply was cut off before it ended. Reply again with only a complete JSON object that satisfies the schema, and keep it short.' }];
  const note = (which: string) => `${which} was not usable (${bad.reason}). Reply again with only a JSON object that satisfies the schema.`;
  if (n > 1) return [...original, { role: 'user', content: note('Your last reply') }];
  return [...original, { role: 'assistant', content: bad.content.slice(0, 4000) }, { role: 'user', content: note('That reply') }];
}

/**
 * A reply that repeats NOTE_ECHO_WORDS or more consecutive words of the re-ask note it answers has written our
 * note into the data. Seen with the real 0.5B: an extract "persona" that began "Your last reply was not usable
 * (personas.0.persona repeats the document …". No real reply needs 8 words in a row of a note about its format.
 */
const NOTE_ECHO_WORDS = 8;

/** The re-ask note a conversation ends with (see reaskMessages), or undefined for the original conversation. */
const reaskNote = (sent: ChatMessage[], original: ChatMessage[]): string | undefined =>
  sent.length > original.length ? sent[sent.length - 1]!.content : undefined;

export class OpenAiLlmClient implements LlmClient {
  readonly config: LlmConfig;
  readonly metrics: Metrics;
  private readonly ep: EndpointShared;
  private readonly openai: OpenAI;
  /** The hot path's HTTP (llm.endpoint.transport: http); undefined = through the openai client. */
  private readonly http: HttpTransport | undefined;
  private readonly ledger: UsageLedger;
  private readonly logger: Logger | undefined;
  private readonly random: () => number;
  private readonly cache: ResponseCache | undefined;
  private readonly budgets: SharedBudgets | undefined;
  private readonly unsubscribe: () => void;
  private budgetLogged = false;

  constructor(config: LlmConfigInput | LlmConfig, opts: LlmClientOptions = {}) {
    this.config = LlmConfig.parse(config);
    this.metrics = opts.metrics ?? createMetrics();
    this.logger = opts.logger;
    this.random = opts.random ?? Math.random;
    this.cache = opts.cache;
    this.budgets = opts.budgets;
    const e = this.config.endpoint;
    const env = opts.env ?? process.env;
    this.ep = sharedEndpoint(e);
    this.openai = new OpenAI({
      baseURL: e.baseUrl,
      // Local servers (vLLM, llama.cpp, the simulator) accept any key; the client refuses to start without one.
      apiKey: env[e.apiKeyEnv] ?? 'unset',
      maxRetries: 0,
      timeout: e.timeoutMs,
    });
    this.http = e.transport === 'http' ? new HttpTransport(e.baseUrl, env[e.apiKeyEnv] ?? 'unset', e.maxInFlight) : undefined;
    this.ledger = new UsageLedger(this.metrics, this.config.prices, this.config.budgetUsd, this.config.budgetMode);
    this.metrics.llmCircuitOpen.set({ endpoint: this.ep.label }, this.ep.isOpen() ? 1 : 0);
    this.metrics.llmConcurrencyLimit.set({ endpoint: this.ep.label }, this.ep.limiter.maxInFlight);
    const sub = this.ep.breaker.onStateChange((state) => {
      this.metrics.llmCircuitOpen.set({ endpoint: this.ep.label }, state === CircuitState.Closed ? 0 : 1);
      if (state === CircuitState.Open) this.logger?.warn({ endpoint: this.ep.label }, 'LLM circuit opened: endpoint failing, calls rejected until a probe succeeds');
      if (state === CircuitState.Closed) this.logger?.info({ endpoint: this.ep.label }, 'LLM circuit closed');
    });
    this.unsubscribe = () => sub.dispose();
  }

  gate(stage: string, scenario?: string): PauseGate | undefined {
    return this.budgets?.gate(stage, scenario);
  }

  /** Estimated spend so far (USD) by this client. */
  get spentUsd(): number {
    return this.ledger.spentUsd;
  }

  /** Change the budget (undefined = none); paused calls resume if it leaves room. */
  raiseBudget(usd: number | undefined): void {
    this.ledger.raiseBudget(usd);
  }

  private settings(stage: string, scenario: string | undefined, model: string | undefined, params: Params | undefined) {
    const s = this.config.stages[stage] ?? {};
    const sc = scenario !== undefined ? (this.config.scenarios[scenario] ?? {}) : {};
    const merged: Params = { ...this.config.params };
    for (const p of [s.params, sc.params, params]) for (const [k, v] of Object.entries(p ?? {})) if (v !== undefined) merged[k as keyof Params] = v;
    return {
      model: model ?? sc.model ?? s.model ?? this.config.model,
      transport: sc.mode ?? s.mode ?? 'online',
      params: merged,
      timeoutMs: sc.timeoutMs ?? s.timeoutMs ?? this.config.endpoint.timeoutMs,
    };
  }

  /** Sampling params as the endpoint expects them (the reply-length cap under its configured name). */
  private wireParams(p: Params): Record<string, number> {
    const { max_tokens, ...rest } = p;
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
    if (max_tokens !== undefined) out[this.config.endpoint.maxTokensParam] = max_tokens;
    return out;
  }

  /**
   * The structured-output mode for `model` on this endpoint: the configured one, or (auto) the probed one, probed
   * once per endpoint and model in this process and shared by every client of the endpoint.
   */
  structuredMode(model: string = this.config.model, signal?: AbortSignal): Promise<ProbeResult> {
    const set = this.config.structuredOutput;
    if (set !== 'auto') return Promise.resolve({ mode: set, steps: [], configured: true });
    let p = this.ep.structured.get(model);
    if (!p) {
      p = this.probe(model, signal);
      this.ep.structured.set(model, p);
      // A probe that failed (endpoint down, aborted) is forgotten, so the next call probes again.
      p.then(
        (r) => {
          this.metrics.llmStructuredMode.set({ endpoint: this.ep.label, model, mode: r.mode }, 1);
          this.logger?.info({ endpoint: this.ep.label, model, mode: r.mode, steps: r.steps.map((s) => `${s.mode}:${s.outcome}`) }, 'LLM structured-output mode negotiated');
        },
        () => {
          if (this.ep.structured.get(model) === p) this.ep.structured.delete(model);
        },
      );
    }
    return p;
  }

  private probe(model: string, signal: AbortSignal | undefined): Promise<ProbeResult> {
    const labels: Labels = { stage: 'structured-probe', scenario: SCENARIO_NONE, model };
    return probeStructuredOutput((req) =>
      this.attempt(labels, 'chat', estimateTokens(req.messages), signal, async (sig) => {
        const body = { model, messages: req.messages, temperature: 0, ...this.wireParams({ max_tokens: 48 }), ...(req.response_format ? { response_format: req.response_format } : {}) };
        const { data } = await this.chat(body, { signal: sig, timeoutMs: this.config.endpoint.timeoutMs });
        const input = data.usage?.prompt_tokens ?? 0;
        const output = data.usage?.completion_tokens ?? 0;
        return { usage: data.usage ? { input, output } : undefined, use: () => data.choices?.[0]?.message?.content ?? '' };
      }),
    );
  }

  async complete<T>(req: StructuredRequest<T>): Promise<StructuredResult<T>> {
    const { model, params, timeoutMs, transport } = this.settings(req.stage, req.scenario, req.model, req.params);
    const labels: Labels = { stage: req.stage, scenario: req.scenario ?? SCENARIO_NONE, model };
    const { jsonSchema, original } = strictJsonSchema(req.schema);
    const recorded: Record<string, string | number | boolean | null> = { model };
    for (const [k, v] of Object.entries(params)) if (v !== undefined) recorded[k] = v;
    // The cache is consulted before anything that could call the endpoint (the structured-output probe included).
    const cacheMode: CacheMode = this.cache ? cacheModeFor(this.config.cache, req.stage) : 'off';
    const key =
      cacheMode === 'off'
        ? undefined
        : cacheKey({ model, messages: req.messages, schemaName: sanitizeName(req.schemaName), jsonSchema, params: this.wireParams(params) });
    if (key !== undefined) {
      const hit = await this.fromCache(req, key, labels, recorded);
      if (hit) return hit;
    }
    if (transport === 'batch') {
      const r = await this.completeInBatch(req, { model, params, labels, jsonSchema, original });
      if (params.seed !== undefined) recorded.seed = reaskSeed(params, r.attempts - 1).seed!;
      if (key === undefined) return { ...r, params: recorded };
      if (cacheMode === 'read-write')
        this.cache!.put({ key, model: r.model, simulated: r.simulated, reply: r.value, usage: r.usage, stage: req.stage, createdAt: new Date().toISOString() });
      return { ...r, params: recorded, cache: { hit: false, key } };
    }
    const { mode } = await this.structuredMode(model, req.signal);
    let messages = req.messages;
    // Malformed replies re-asked so far: each re-ask uses the next seed (reaskSeed).
    let reasks = 0;
    const usage = { inputTokens: 0, outputTokens: 0 };
    let simulated = false;
    let replyModel = model;

    const { value, attempts } = await this.withRetries(labels, req.signal, (n, callId) =>
      this.attempt(labels, 'chat', estimateTokens(messages), req.signal, async (signal) => {
        const conversation = messages;
        const sent = structuredRequest(mode, sanitizeName(req.schemaName), jsonSchema, conversation);
        const body = { model, messages: sent.messages, ...(sent.response_format ? { response_format: sent.response_format } : {}), ...this.wireParams(reaskSeed(params, reasks)) };
        const { data, header } = await this.chat(body, { signal, timeoutMs, headers: { [CALL_ID_HEADER]: callId, 'x-personahub-attempt': String(n) } });
        const input = data.usage?.prompt_tokens ?? 0;
        const output = data.usage?.completion_tokens ?? 0;
        const cachedInput = data.usage?.prompt_tokens_details?.cached_tokens ?? 0;
        usage.inputTokens += input;
        usage.outputTokens += output;
        replyModel = data.model || model;
        simulated =
          header(SIMULATOR_HEADER) === '1' || data.system_fingerprint === SIMULATOR_FINGERPRINT || replyModel.startsWith(SIM_MODEL_PREFIX);
        return {
          usage: data.usage ? { input, output, cachedInput } : undefined,
          use: () => {
            const parsed = this.parseReply(data, req, original, labels, reaskNote(conversation, req.messages));
            if (parsed instanceof MalformedReply) {
              reasks++;
              messages = reaskMessages(req.messages, parsed, reasks);
              throw parsed;
            }
            return parsed;
          },
        };
      }),
    );
    // The seed that produced the reply is the one recorded (a re-asked call was answered under a later seed).
    if (params.seed !== undefined) recorded.seed = reaskSeed(params, reasks).seed!;
    if (key === undefined) return { value, model: replyModel, simulated, usage, attempts, params: recorded };
    if (cacheMode === 'read-write')
      this.cache!.put({ key, model: replyModel, simulated, reply: value, usage, stage: req.stage, createdAt: new Date().toISOString() });
    return { value, model: replyModel, simulated, usage, attempts, params: recorded, cache: { hit: false, key } };
  }

  /**
   * One call through the Batch API (src/llm/batch/queue.ts): budgets and the process budget are applied per
   * request as online, the structured-output mode is the configured one (`auto` means json_schema here: probing
   * would be an online call), the reply is validated the same way, a malformed one is re-asked through a later
   * batch (up to maxMalformedReplies, then poison), and usage is charged at the batch price.
   */
  private async completeInBatch<T>(
    req: StructuredRequest<T>,
    c: { model: string; params: Params; labels: Labels; jsonSchema: Record<string, unknown>; original: Record<string, unknown> },
  ): Promise<Omit<StructuredResult<T>, 'params'>> {
    const mode = this.config.structuredOutput === 'auto' ? 'json_schema' : this.config.structuredOutput;
    const budgets = this.budgetsOf(c.labels);
    const usage = { inputTokens: 0, outputTokens: 0 };
    let messages = req.messages;
    for (let asked = 1; ; asked++) {
      await this.ledger.admit(req.signal);
      if (this.budgets && budgets.length > 0) do await this.budgets.whenOpen(budgets, req.signal);
      while (!this.budgets.tryCount(budgets));
      const sent = structuredRequest(mode, sanitizeName(req.schemaName), c.jsonSchema, messages);
      const body = { model: c.model, messages: sent.messages, ...(sent.response_format ? { response_format: sent.response_format } : {}), ...this.wireParams(reaskSeed(c.params, asked - 1)) };
      let data: OpenAI.Chat.Completions.ChatCompletion;
      try {
        data = await this.batchQueue.run(body, req.signal);
      } catch (e) {
        if (isPersonahubError(e)) this.metrics.llmErrors.inc({ ...c.labels, code: e.code });
        throw e;
      }
      const input = data.usage?.prompt_tokens ?? 0;
      const output = data.usage?.completion_tokens ?? 0;
      usage.inputTokens += input;
      usage.outputTokens += output;
      const cost = this.ledger.charge(c.labels, input, output, { batch: true, cachedInputTokens: data.usage?.prompt_tokens_details?.cached_tokens ?? 0 });
      this.budgets?.charge(budgets, input + output, cost);
      this.metrics.llmRequests.inc({ ...c.labels, outcome: 'batch' });
      const replyModel = data.model || c.model;
      const parsed = this.parseReply(data, req, c.original, c.labels, reaskNote(messages, req.messages));
      if (!(parsed instanceof MalformedReply)) {
        const simulated = data.system_fingerprint === SIMULATOR_FINGERPRINT || replyModel.startsWith(SIM_MODEL_PREFIX);
        return { value: parsed, model: replyModel, simulated, usage, attempts: asked };
      }
      if (asked >= this.config.endpoint.maxMalformedReplies) {
        this.metrics.llmErrors.inc({ ...c.labels, code: 'llm_malformed_reply' });
        throw poison('llm_malformed_reply', parsed.message);
      }
      this.metrics.llmRetries.inc({ ...c.labels, code: 'llm_malformed_reply' });
      messages = reaskMessages(req.messages, parsed, asked);
    }
  }

  private batchQueueInstance: BatchQueue | undefined;
  private get batchQueue(): BatchQueue {
    return (this.batchQueueInstance ??= new BatchQueue({
      openai: this.openai,
      cfg: this.config.batch,
      metrics: this.metrics,
      ...(this.logger ? { logger: this.logger } : {}),
      random: this.random,
      backoffBaseMs: this.config.endpoint.backoffBaseMs,
      backoffMaxMs: this.config.endpoint.backoffMaxMs,
    }));
  }

  /**
   * A cached reply for `key`, validated against the caller's schema; undefined on a miss. A stored reply that no
   * longer satisfies the schema is counted `invalid` and the call is made again (its new reply replaces it in
   * read-write mode): never returned as is, never repaired. A hit is charged nothing and sends nothing.
   */
  private async fromCache<T>(req: StructuredRequest<T>, key: string, labels: Labels, params: StructuredResult<T>['params']): Promise<StructuredResult<T> | undefined> {
    const at = { stage: labels.stage, scenario: labels.scenario };
    const entry = await this.cache!.get(key, req.signal);
    if (!entry) {
      this.metrics.llmCacheLookups.inc({ ...at, outcome: 'miss' });
      return undefined;
    }
    const r = req.schema.safeParse(entry.reply);
    if (!r.success) {
      this.metrics.llmCacheLookups.inc({ ...at, outcome: 'invalid' });
      this.logger?.warn({ ...at, key, issue: r.error.issues[0]?.message }, 'cached LLM reply does not satisfy the schema; calling the endpoint again');
      return undefined;
    }
    this.metrics.llmCacheLookups.inc({ ...at, outcome: 'hit' });
    this.metrics.llmCacheSavedTokens.inc({ ...at, direction: 'input' }, entry.usage.inputTokens);
    this.metrics.llmCacheSavedTokens.inc({ ...at, direction: 'output' }, entry.usage.outputTokens);
    return { value: r.data, model: entry.model, simulated: entry.simulated, usage: entry.usage, attempts: 0, params, cache: { hit: true, key } };
  }

  private parseReply<T>(
    data: OpenAI.Chat.Completions.ChatCompletion,
    req: Pick<StructuredRequest<T>, 'schema' | 'check'>,
    original: Record<string, unknown>,
    labels: Labels,
    /** The re-ask note this reply answers, if it answers one. */
    note?: string,
  ): T | MalformedReply {
    const choice = data.choices?.[0];
    if (!choice) return new MalformedReply('no choices in the reply', '');
    const content = choice.message?.content ?? '';
    if (choice.message?.refusal) return new MalformedReply('the model refused', content);
    if (choice.finish_reason === 'length') return new MalformedReply('the reply was cut off at max_tokens', content, true);
    const echoed = note === undefined ? undefined : passageFinder(note, NOTE_ECHO_WORDS)(content);
    if (echoed !== undefined) return new MalformedReply(`the reply repeats the re-ask note ("${echoed} …") instead of answering`, content);
    const got = extractJson(content);
    if (!got.ok) return new MalformedReply(got.reason, content);
    const r = req.schema.safeParse(dropNulls(got.value, original));
    if (r.success) {
      const unfit = req.check?.(r.data);
      if (unfit !== undefined) return new MalformedReply(unfit, content);
      if (got.repaired !== 'none') this.metrics.llmReplyRepairs.inc({ ...labels, how: got.repaired });
      return r.data;
    }
    const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return new MalformedReply(`does not match the schema: ${issues}`, content);
  }

  async embed(req: { stage: string; input: string[]; model?: string; signal?: AbortSignal }): Promise<EmbeddingResult> {
    const model = req.model ?? this.config.embeddingModel;
    const labels: Labels = { stage: req.stage, scenario: SCENARIO_NONE, model };
    const usage = { inputTokens: 0, outputTokens: 0 };
    let replyModel = model;
    const est = req.input.reduce((n, s) => n + Math.ceil(s.length / 4), 0);
    const { value } = await this.withRetries(labels, req.signal, (n, callId) =>
      this.attempt(labels, 'embeddings', est, req.signal, async (signal) => {
        const body = { model, input: req.input, encoding_format: 'float' as const };
        const headers = { [CALL_ID_HEADER]: callId, 'x-personahub-attempt': String(n) };
        const timeoutMs = this.config.endpoint.timeoutMs;
        const data = this.http
          ? ((await this.http.postJson('/embeddings', body, { signal, timeoutMs, headers })).data as OpenAI.CreateEmbeddingResponse)
          : (await this.openai.embeddings.create(body, { signal, maxRetries: 0, timeout: timeoutMs, headers }).withResponse()).data;
        const input = data.usage?.prompt_tokens ?? 0;
        usage.inputTokens += input;
        replyModel = data.model || model;
        return {
          usage: data.usage ? { input, output: 0 } : undefined,
          use: () => {
            const rows = [...(data.data ?? [])].sort((a, b) => a.index - b.index);
            if (rows.length !== req.input.length || !rows.every((r) => Array.isArray(r.embedding) && r.embedding.every((x) => typeof x === 'number')))
              throw new MalformedReply(`expected ${req.input.length} float vectors`, '');
            return rows.map((r) => r.embedding);
          },
        };
      }),
    );
    return { vectors: value, model: replyModel, usage };
  }

  /** One chat completion request over the configured transport; `header` reads a response header. */
  private async chat(
    body: Record<string, unknown>,
    o: { signal: AbortSignal | undefined; timeoutMs: number; headers?: Record<string, string> },
  ): Promise<{ data: OpenAI.Chat.Completions.ChatCompletion; header: (name: string) => string | undefined }> {
    if (this.http) {
      const r = await this.http.postJson('/chat/completions', body, o);
      return { data: r.data as OpenAI.Chat.Completions.ChatCompletion, header: r.header };
    }
    const { data, response } = await this.openai.chat.completions
      .create(body as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming, {
        signal: o.signal,
        timeout: o.timeoutMs,
        maxRetries: 0,
        ...(o.headers ? { headers: o.headers } : {}),
      })
      .withResponse();
    return { data, header: (name) => response.headers.get(name) ?? undefined };
  }

  /**
   * One HTTP attempt through the breaker and the limiter. `send` performs the request and returns the usage to
   * charge plus `use`, which turns the reply into the result or throws MalformedReply. The permit is released
   * with the reported token count so the token window reflects real usage.
   */
  private attempt<R>(
    labels: Labels,
    operation: GenAiOperation,
    estTokens: number,
    signal: AbortSignal | undefined,
    send: (signal: AbortSignal | undefined) => Promise<{ usage: { input: number; output: number; cachedInput?: number } | undefined; use: () => R }>,
  ): Promise<R> {
    return this.ep.breaker.execute(async () => {
      const admittedIn = this.ep.breaker.state;
      const permit = await this.acquireWithinBudget(labels, estTokens, signal);
      // The circuit may have opened while this call waited for a slot: do not send it to a failing endpoint.
      if (admittedIn === CircuitState.Closed && this.ep.breaker.state !== CircuitState.Closed) {
        permit.release(0);
        throw new BrokenCircuitError();
      }
      const endpoint = { endpoint: this.ep.label };
      const genAi = { gen_ai_operation_name: operation, gen_ai_provider_name: this.config.endpoint.provider, gen_ai_request_model: labels.model };
      this.metrics.llmInFlight.inc(endpoint);
      const t0 = performance.now();
      let actual: number | undefined;
      let outcome = 'ok';
      try {
        const reply = await send(signal);
        this.adapt(`${labels.stage}/${labels.scenario}`, performance.now() - t0);
        if (reply.usage) {
          actual = reply.usage.input + reply.usage.output;
          const cost = this.ledger.charge(labels, reply.usage.input, reply.usage.output, { cachedInputTokens: reply.usage.cachedInput ?? 0 });
          this.budgets?.charge(this.budgetsOf(labels), actual, cost);
          const { gen_ai_operation_name, gen_ai_provider_name, gen_ai_request_model } = genAi;
          this.metrics.genAiTokenUsage.observe({ gen_ai_operation_name, gen_ai_provider_name, gen_ai_request_model, gen_ai_token_type: 'input' }, reply.usage.input);
          // Embeddings have no output tokens; the conventions record only the types an operation uses.
          if (operation === 'chat') this.metrics.genAiTokenUsage.observe({ gen_ai_operation_name, gen_ai_provider_name, gen_ai_request_model, gen_ai_token_type: 'output' }, reply.usage.output);
        }
        try {
          return reply.use();
        } catch (e) {
          outcome = isPersonahubError(e) ? e.code : 'internal';
          throw e;
        }
      } catch (e) {
        if (signal?.aborted || isPersonahubError(e)) {
          if (outcome === 'ok') outcome = signal?.aborted ? 'aborted' : (e as PersonahubError).code;
          throw e;
        }
        const pe = classifyAttemptError(e);
        if (!pe) {
          outcome = 'aborted';
          throw e;
        }
        outcome = pe.code;
        if (pe.code === 'llm_rate_limited' || isEndpointFailure(pe)) this.adapt(undefined, 0);
        if (pe.code === 'llm_rate_limited' && pe.retryAfterMs !== undefined && this.config.endpoint.holdOn429) this.ep.limiter.hold(pe.retryAfterMs);
        throw pe;
      } finally {
        // After a failure, hand the slot on only once the breaker has recorded it (a few microtasks later), so a
        // call waiting for this slot sees the circuit open instead of being sent to a failing endpoint.
        if (outcome === 'ok') permit.release(actual);
        else setImmediate(() => permit.release(actual));
        this.metrics.llmInFlight.dec(endpoint);
        // Label objects written out, not spread: prom-client hashes a literal of a fixed shape measurably faster
        // (measured on the ledger's token counters: 3.5 → 1.2 µs per charge).
        this.metrics.llmRequests.inc({ stage: labels.stage, scenario: labels.scenario, model: labels.model, outcome });
        const seconds = (performance.now() - t0) / 1000;
        this.metrics.llmRequestSeconds.observe(labels, seconds);
        this.metrics.genAiOperationDuration.observe(
          outcome === 'ok' ? genAi : { gen_ai_operation_name: genAi.gen_ai_operation_name, gen_ai_provider_name: genAi.gen_ai_provider_name, gen_ai_request_model: genAi.gen_ai_request_model, error_type: outcome },
          seconds,
        );
      }
    }, signal);
  }

  /**
   * A limiter slot for one HTTP request, counted against the call's budgets (llm.budgets) only once the slot is
   * held, i.e. right before the request is sent: so what a process has counted is what it has in flight or done,
   * never a queue of calls waiting for a slot, and the overshoot across instances is bounded by what they have in
   * flight plus one ledger round trip. While a budget is exhausted the call waits without holding a slot.
   */
  private async acquireWithinBudget(labels: Labels, estTokens: number, signal: AbortSignal | undefined) {
    const budgets = this.budgetsOf(labels);
    for (;;) {
      if (this.budgets && budgets.length > 0) await this.budgets.whenOpen(budgets, signal);
      const permit = await this.ep.limiter.acquire(estTokens, signal);
      if (!this.budgets || this.budgets.tryCount(budgets)) return permit;
      permit.release(0); // spent while this call waited for its slot: wait for the budget again
    }
  }

  /** Feed adaptive concurrency: a reply (its kind and latency), or endpoint push-back (kind undefined). */
  private adapt(kind: string | undefined, latencyMs: number): void {
    const a = this.ep.adaptive;
    if (!a) return;
    const changed = kind === undefined ? a.onCongestion() : a.onReply(kind, latencyMs);
    if (!changed) return;
    this.ep.limiter.setMaxInFlight(a.limit);
    this.metrics.llmConcurrencyLimit.set({ endpoint: this.ep.label }, a.limit);
    this.logger?.debug({ endpoint: this.ep.label, limit: a.limit }, 'LLM concurrency limit changed');
  }

  /** The attempt loop shared by chat and embeddings: budget gate, classification, backoff, bounded attempts. */
  private async withRetries<R>(labels: Labels, signal: AbortSignal | undefined, run: (attempt: number, callId: string) => Promise<R>): Promise<{ value: R; attempts: number }> {
    const e = this.config.endpoint;
    const callId = randomUUID();
    let malformed = 0;
    for (let attempt = 1; ; attempt++) {
      let err: PersonahubError;
      try {
        if (this.ledger.exhausted() && !this.budgetLogged) {
          this.budgetLogged = true;
          this.logger?.warn({ spentUsd: this.ledger.spentUsd, budgetUsd: this.config.budgetUsd, mode: this.config.budgetMode }, 'LLM budget reached: calls pause (or fail) until it is raised');
        }
        await this.ledger.admit(signal);
        return { value: await run(attempt, callId), attempts: attempt };
      } catch (thrown) {
        if (signal?.aborted) throw signal.reason;
        if (thrown instanceof BrokenCircuitError || thrown instanceof IsolatedCircuitError) {
          err = retriable('llm_circuit_open', `LLM endpoint ${this.ep.label} is failing; circuit open`, { cause: thrown, retryAfterMs: e.breakerHalfOpenAfterMs });
        } else if (thrown instanceof TaskCancelledError) {
          throw signal?.reason ?? thrown;
        } else if (isPersonahubError(thrown)) {
          err = thrown;
        } else {
          err = classifyAttemptError(thrown) ?? retriable('internal', 'LLM call failed', { cause: thrown });
        }
      }
      const isMalformed = err.code === 'llm_malformed_reply';
      if (isMalformed) malformed++;
      const retryable = isMalformed ? malformed < e.maxMalformedReplies : err.kind === 'retriable' && err.code !== 'llm_circuit_open' && err.code !== 'budget_exhausted';
      if (!retryable || attempt >= e.maxAttempts) {
        this.metrics.llmErrors.inc({ ...labels, code: err.code });
        // A call whose last attempt was malformed is poison, whatever its earlier attempts failed with.
        throw isMalformed ? poison('llm_malformed_reply', err.message) : err;
      }
      this.metrics.llmRetries.inc({ ...labels, code: err.code });
      // A malformed reply came from a healthy endpoint: re-ask at once. Everything else backs off.
      const delayMs = isMalformed ? 0 : backoffMs(attempt, e.backoffBaseMs, e.backoffMaxMs, err.retryAfterMs, this.random);
      this.logger?.debug({ ...labels, attempt, code: err.code, delayMs: Math.round(delayMs) }, 'LLM attempt failed; retrying');
      if (delayMs > 0) await sleep(delayMs, signal);
    }
  }

  private budgetsOf(labels: Labels): string[] {
    return this.budgets?.budgetsFor(labels.stage, labels.scenario === SCENARIO_NONE ? undefined : labels.scenario) ?? [];
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.http?.close();
    await this.batchQueueInstance?.close();
    await this.cache?.close();
    await this.budgets?.close();
  }
}

/** Build the client from the `llm` config section. Create one per process and hand it to every stage. */
export function createLlmClient(config: LlmConfigInput | LlmConfig, opts: LlmClientOptions = {}): OpenAiLlmClient {
  return new OpenAiLlmClient(config, opts);
}
