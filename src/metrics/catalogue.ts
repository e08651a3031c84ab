import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The one metrics catalogue. Every metric personahub exports is declared here, once: name (prefix `personahub_`,
 * base units, `_total` for counters; the two OpenTelemetry GenAI histograms keep their convention names `gen_ai_*`),
 * help text and label names. Labels are bounded sets: stage, scenario, topic,
 * partition, model, endpoint, outcome, kind, code, hop — never ids, URLs or free text.
 *
 * Modules never create metrics themselves; they receive a `Metrics` object built from an injected Registry, so
 * tests can use a fresh Registry and read values back.
 */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * OpenTelemetry GenAI semantic conventions (gen-ai-metrics, status Development), exported in Prometheus form: dots
 * become underscores, the unit `s` becomes the `_seconds` suffix, `{token}` is an annotation and adds no suffix.
 * Bucket boundaries are the ExplicitBucketBoundaries the conventions recommend for each histogram.
 */
export const GEN_AI_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
export const GEN_AI_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

export function createMetrics(registry: Registry = new Registry()) {
  const r = [registry];
  return {
    registry,

    // ---- runtime: records through a stage -------------------------------------------------------------------
    recordsIn: new Counter({
      name: 'personahub_records_in_total',
      help: 'Records consumed by a stage',
      labelNames: ['stage', 'topic'] as const,
      registers: r,
    }),
    recordsOut: new Counter({
      name: 'personahub_records_out_total',
      help: 'Records produced by a stage, per output topic',
      labelNames: ['stage', 'topic'] as const,
      registers: r,
    }),
    recordsFiltered: new Counter({
      name: 'personahub_records_filtered_total',
      help: 'Input records that produced no output on purpose (duplicates, sampling, empty text)',
      labelNames: ['stage', 'reason'] as const,
      registers: r,
    }),
    recordsDeadLettered: new Counter({
      name: 'personahub_records_dead_lettered_total',
      help: 'Input records sent to the dead-letter topic, by error code',
      labelNames: ['stage', 'code'] as const,
      registers: r,
    }),
    recordsReplayed: new Counter({
      name: 'personahub_records_replayed_total',
      help: 'Records re-injected by `personahub dlq replay` that the stage has now handled, by the code they were dead-lettered with and how it went this time (ok, filtered, dead_lettered again)',
      labelNames: ['stage', 'code', 'outcome'] as const,
      registers: r,
    }),
    recordRetries: new Counter({
      name: 'personahub_record_retries_total',
      help: 'Retries of a record after a retriable stage failure',
      labelNames: ['stage', 'code'] as const,
      registers: r,
    }),
    processingSeconds: new Histogram({
      name: 'personahub_processing_seconds',
      help: 'Time from a record being handed to the stage until its outputs are ready',
      labelNames: ['stage', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    inFlight: new Gauge({
      name: 'personahub_in_flight_records',
      help: 'Records handed to the stage and not yet completed',
      labelNames: ['stage'] as const,
      registers: r,
    }),
    bufferedOutputs: new Gauge({
      name: 'personahub_buffered_outputs',
      help: 'Completed outputs waiting for the contiguous watermark before they can be produced',
      labelNames: ['stage'] as const,
      registers: r,
    }),
    pausedPartitions: new Gauge({
      name: 'personahub_paused_partitions',
      help: 'Partitions paused by backpressure',
      labelNames: ['stage'] as const,
      registers: r,
    }),
    committedOffset: new Gauge({
      name: 'personahub_committed_offset',
      help: 'Last committed offset (next offset to read) per partition',
      labelNames: ['stage', 'topic', 'partition'] as const,
      registers: r,
    }),
    consumerLag: new Gauge({
      name: 'personahub_consumer_lag_records',
      help: 'High watermark minus committed offset per partition',
      labelNames: ['stage', 'topic', 'partition'] as const,
      registers: r,
    }),
    transactions: new Counter({
      name: 'personahub_transactions_total',
      help: 'Kafka transactions (or at-least-once commit rounds) by outcome',
      labelNames: ['stage', 'outcome'] as const,
      registers: r,
    }),
    infrastructureWaits: new Counter({
      name: 'personahub_infrastructure_waits_total',
      help: 'Times a record or a commit waited for the broker or the registry to come back (never a dead letter)',
      labelNames: ['stage', 'code'] as const,
      registers: r,
    }),
    stageReady: new Gauge({
      name: 'personahub_stage_ready',
      help: '1 while the stage is connected, assigned and committing; 0 while it waits out an outage or restores state',
      labelNames: ['stage'] as const,
      registers: r,
    }),
    stateRestoredRecords: new Counter({
      name: 'personahub_state_restored_records_total',
      help: 'Changelog records applied while restoring a state store on assignment',
      labelNames: ['stage'] as const,
      registers: r,
    }),
    stateRestoreRemaining: new Gauge({
      name: 'personahub_state_restore_remaining_records',
      help: 'Changelog offsets still to read before a restoring partition may process records (0 when restored)',
      labelNames: ['stage', 'partition'] as const,
      registers: r,
    }),
    rebalances: new Counter({
      name: 'personahub_rebalances_total',
      help: 'Consumer group rebalances seen by a stage',
      labelNames: ['stage'] as const,
      registers: r,
    }),

    // ---- LLM ------------------------------------------------------------------------------------------------
    llmRequests: new Counter({
      name: 'personahub_llm_requests_total',
      help: 'LLM HTTP requests (every attempt counts), by outcome',
      labelNames: ['stage', 'scenario', 'model', 'outcome'] as const,
      registers: r,
    }),
    llmRequestSeconds: new Histogram({
      name: 'personahub_llm_request_seconds',
      help: 'Latency of one LLM HTTP attempt',
      labelNames: ['stage', 'scenario', 'model'] as const,
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    llmRetries: new Counter({
      name: 'personahub_llm_retries_total',
      help: 'LLM attempts that were retried, by error code',
      labelNames: ['stage', 'scenario', 'model', 'code'] as const,
      registers: r,
    }),
    llmErrors: new Counter({
      name: 'personahub_llm_errors_total',
      help: 'LLM calls that failed for good, by error code',
      labelNames: ['stage', 'scenario', 'model', 'code'] as const,
      registers: r,
    }),
    llmTokens: new Counter({
      name: 'personahub_llm_tokens_total',
      help: 'Tokens reported by the endpoint, by direction (input|output)',
      labelNames: ['stage', 'scenario', 'model', 'direction'] as const,
      registers: r,
    }),
    llmCost: new Counter({
      name: 'personahub_llm_cost_usd_total',
      help: 'Estimated cost from the configured price table, in US dollars',
      labelNames: ['stage', 'scenario', 'model'] as const,
      registers: r,
    }),
    llmReplyRepairs: new Counter({
      name: 'personahub_llm_reply_repairs_total',
      help: 'Replies whose JSON had to be taken out of code fences (fence) or chatty text (embedded) before validation',
      labelNames: ['stage', 'scenario', 'model', 'how'] as const,
      registers: r,
    }),
    llmStructuredMode: new Gauge({
      name: 'personahub_llm_structured_output_mode',
      help: '1 for the structured-output mode in use per endpoint and model (json_schema|json_object_schema|json_object|prompt)',
      labelNames: ['endpoint', 'model', 'mode'] as const,
      registers: r,
    }),
    llmConcurrencyLimit: new Gauge({
      name: 'personahub_llm_concurrency_limit',
      help: 'In-flight cap in force per endpoint (adaptive concurrency moves it between minInFlight and maxInFlight)',
      labelNames: ['endpoint'] as const,
      registers: r,
    }),
    llmInFlight: new Gauge({
      name: 'personahub_llm_in_flight_requests',
      help: 'LLM requests currently open, per endpoint',
      labelNames: ['endpoint'] as const,
      registers: r,
    }),
    llmCircuitOpen: new Gauge({
      name: 'personahub_llm_circuit_open',
      help: '1 while the circuit breaker of an endpoint is open or half-open, else 0',
      labelNames: ['endpoint'] as const,
      registers: r,
    }),
    llmBudgetRemaining: absentUntilSet(new Gauge({
      name: 'personahub_llm_budget_remaining_usd',
      help: 'Budget left before LLM work pauses (absent when no budget is configured)',
      registers: r,
    })),

    // ---- budgets per scenario and stage (src/llm/budget/) ------------------------------------------------------
    llmBudgetSpent: new Gauge({
      name: 'personahub_llm_budget_spent',
      help: 'Spend counted against a budget by every instance (shared through the spend ledger), by unit (requests|tokens|usd)',
      labelNames: ['budget', 'unit'] as const,
      registers: r,
    }),
    llmBudgetLimit: new Gauge({
      name: 'personahub_llm_budget_limit',
      help: 'The limit in force for a budget, by unit (configured, or raised with `personahub budget set`)',
      labelNames: ['budget', 'unit'] as const,
      registers: r,
    }),
    llmBudgetExhausted: new Gauge({
      name: 'personahub_llm_budget_exhausted',
      help: '1 while a budget is exhausted (the stages it applies to are paused), else 0',
      labelNames: ['budget'] as const,
      registers: r,
    }),
    stageBudgetPaused: new Gauge({
      name: 'personahub_stage_budget_paused',
      help: '1 while a stage has its partitions paused because a budget that applies to it is exhausted',
      labelNames: ['stage'] as const,
      registers: r,
    }),

    // ---- Batch API (src/llm/batch/) ----------------------------------------------------------------------------
    llmBatches: new Counter({
      name: 'personahub_llm_batches_total',
      help: 'Batch API jobs: submitted, and how each ended (completed|failed|expired|cancelled)',
      labelNames: ['status'] as const,
      registers: r,
    }),
    llmBatchLines: new Counter({
      name: 'personahub_llm_batch_lines_total',
      help: 'Requests sent through batches by outcome: ok, requeued (into a later batch), failed (the call failed)',
      labelNames: ['outcome'] as const,
      registers: r,
    }),

    // ---- LLM response cache (src/llm/cache/) ------------------------------------------------------------------
    llmCacheLookups: new Counter({
      name: 'personahub_llm_cache_lookups_total',
      help: 'Response cache lookups by outcome: hit (answered, no LLM call), miss, invalid (stored reply fails the schema now; called again)',
      labelNames: ['stage', 'scenario', 'outcome'] as const,
      registers: r,
    }),
    llmCacheSavedTokens: new Counter({
      name: 'personahub_llm_cache_saved_tokens_total',
      help: 'Tokens of the original calls answered from the cache instead (not paid again), by direction (input|output)',
      labelNames: ['stage', 'scenario', 'direction'] as const,
      registers: r,
    }),
    llmCacheWrites: new Counter({
      name: 'personahub_llm_cache_writes_total',
      help: 'Replies written to the cache topic, by outcome (ok|failed)',
      labelNames: ['outcome'] as const,
      registers: r,
    }),
    llmCacheEntries: new Gauge({
      name: 'personahub_llm_cache_entries',
      help: 'Cache entries held in memory by this process (bounded by llm.cache.maxEntries)',
      registers: r,
    }),
    llmCacheBytes: new Gauge({
      name: 'personahub_llm_cache_bytes',
      help: 'Bytes of cached replies held in memory by this process (bounded by llm.cache.maxBytes)',
      registers: r,
    }),
    llmCacheEvictions: new Counter({
      name: 'personahub_llm_cache_evictions_total',
      help: 'Entries dropped from memory to stay within the bounds (still on the topic; a lookup of them misses)',
      registers: r,
    }),
    llmCacheEntriesIgnored: new Counter({
      name: 'personahub_llm_cache_entries_ignored_total',
      help: 'Values on the cache topic that are not a valid entry for their key (ignored, never repaired)',
      registers: r,
    }),

    // ---- LLM, OpenTelemetry GenAI semantic conventions (same calls as above, the names dashboards for LLM traffic read)
    /** gen_ai.client.token.usage: one observation per reply with usage and per token type (input|output). */
    genAiTokenUsage: new Histogram({
      name: 'gen_ai_client_token_usage',
      help: 'gen_ai.client.token.usage ({token}): tokens per LLM reply, by gen_ai.token.type (input|output)',
      labelNames: ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'gen_ai_token_type'] as const,
      buckets: GEN_AI_TOKEN_BUCKETS,
      registers: r,
    }),
    /** gen_ai.client.operation.duration: one observation per HTTP attempt; error_type set when it failed. */
    genAiOperationDuration: new Histogram({
      name: 'gen_ai_client_operation_duration_seconds',
      help: 'gen_ai.client.operation.duration (s): one LLM HTTP attempt; error_type is the personahub error code, absent on success',
      labelNames: ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'error_type'] as const,
      buckets: GEN_AI_DURATION_BUCKETS,
      registers: r,
    }),

    // ---- dedup ----------------------------------------------------------------------------------------------
    dedupChecks: new Counter({
      name: 'personahub_dedup_checks_total',
      help: 'Items checked by a near-duplicate filter',
      labelNames: ['stage', 'method', 'hop'] as const,
      registers: r,
    }),
    dedupHits: new Counter({
      name: 'personahub_dedup_hits_total',
      help: 'Items dropped as duplicates, by kind (exact|minhash|simhash|semantic) and hop',
      labelNames: ['stage', 'kind', 'hop'] as const,
      registers: r,
    }),
    dedupStoredItems: new Gauge({
      name: 'personahub_dedup_stored_items',
      help: 'Items held in a filter index (this process)',
      labelNames: ['stage', 'method'] as const,
      registers: r,
    }),

    // ---- verified math and diversity (issue #15) ------------------------------------------------------------
    mathVerifications: new Counter({
      name: 'personahub_math_verifications_total',
      help: 'Math problems checked by verify-math, by outcome (verified|disagree|mismatch) and persona hop; agreement rate = verified / all',
      labelNames: ['outcome', 'hop'] as const,
      registers: r,
    }),
    uniquePersonas: new Counter({
      name: 'personahub_unique_personas_total',
      help: 'Unique personas (read from personas.unique by expand), by hop',
      labelNames: ['hop'] as const,
      registers: r,
    }),
    personaAttributeValues: new Counter({
      name: 'personahub_persona_attribute_values_total',
      help: 'Attribute values of unique personas, by attribute and novelty (new = not seen before by this process); coverage = new / all',
      labelNames: ['attribute', 'novelty'] as const,
      registers: r,
    }),
    personaAttributeDistinct: new Gauge({
      name: 'personahub_persona_attribute_distinct_values',
      help: 'Distinct values of a persona attribute seen by this process (bounded by stages.diversity.maxAttributeValues)',
      labelNames: ['attribute'] as const,
      registers: r,
    }),
    synthDistinctNgrams: new Gauge({
      name: 'personahub_synth_distinct_ngrams_ratio',
      help: 'distinct-n of a scenario\'s outputs (distinct word n-grams / n-grams) over the last stages.diversity.window outputs, n = 1|2',
      labelNames: ['scenario', 'n'] as const,
      registers: r,
    }),
    synthEmbeddingSimilarity: new Gauge({
      name: 'personahub_synth_embedding_similarity_mean',
      help: 'Mean pairwise cosine similarity of the embeddings of a sample of a scenario\'s recent outputs (lower = more diverse)',
      labelNames: ['scenario'] as const,
      registers: r,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** What the simulator counts, read at scrape time (cheap: no arrival-log scan). */
export interface SimulatorCounters {
  requests: Record<string, number>;
  faults: Record<string, number>;
  answered: number;
  inFlight: number;
  usage: { promptTokens: number; completionTokens: number };
}

/**
 * Metrics of `personahub sim`, the OpenAI-compatible SIMULATOR (never a model). Values are read from the
 * simulator's own counters when Prometheus scrapes, so the hot path does no metric work.
 */
export function createSimulatorMetrics(registry: Registry, read: () => SimulatorCounters) {
  const r = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'personahub_sim_requests_total',
      help: 'Requests the simulator received, by route kind (chat|embeddings|models|other)',
      labelNames: ['kind'] as const,
      registers: r,
      collect() {
        this.reset();
        for (const [kind, n] of Object.entries(read().requests)) if (kind !== 'total') this.inc({ kind }, n);
      },
    }),
    faults: new Counter({
      name: 'personahub_sim_faults_injected_total',
      help: 'Faults the simulator injected on purpose, by kind',
      labelNames: ['kind'] as const,
      registers: r,
      collect() {
        this.reset();
        for (const [kind, n] of Object.entries(read().faults)) this.inc({ kind }, n);
      },
    }),
    answered: new Counter({
      name: 'personahub_sim_answered_total',
      help: 'Requests the simulator answered successfully',
      registers: r,
      collect() {
        this.reset();
        this.inc(read().answered);
      },
    }),
    tokens: new Counter({
      name: 'personahub_sim_tokens_total',
      help: 'Usage the simulator reported, by direction (input|output)',
      labelNames: ['direction'] as const,
      registers: r,
      collect() {
        this.reset();
        const u = read().usage;
        this.inc({ direction: 'input' }, u.promptTokens);
        this.inc({ direction: 'output' }, u.completionTokens);
      },
    }),
    inFlight: new Gauge({
      name: 'personahub_sim_in_flight_requests',
      help: 'Requests open in the simulator',
      registers: r,
      collect() {
        this.set(read().inFlight);
      },
    }),
  };
}

/**
 * prom-client exports a label-less gauge as 0 until it is set; for a gauge whose absence means "not configured"
 * (the budget), 0 would read as "exhausted" and fire PersonahubBudgetExhausted. Remove the initial sample.
 */
function absentUntilSet<G extends Gauge>(gauge: G): G {
  gauge.remove();
  return gauge;
}

/** A registry with Node's default process metrics, for a long-running process's /metrics endpoint. */
export function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'personahub_process_' });
  return registry;
}
