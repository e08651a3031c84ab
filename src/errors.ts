/**
 * The one error taxonomy of personahub.
 *
 * Every failure that crosses a module boundary is a PersonahubError with a `kind` that tells the runtime what to
 * do with the record, and a `code` from a closed union for metrics labels and DLQ headers. Nothing in the project
 * branches on error *messages*; classify foreign errors once, at the edge where they enter (see `classify`).
 *
 *   retriable  transient: back off with jitter and try again, a bounded number of attempts, then dead-letter.
 *   poison     this record can never succeed (bad bytes, schema-invalid, malformed LLM reply after retries):
 *              dead-letter it with the reason and move on to the next record.
 *   fatal      the process cannot go on (bad config, lost transactional fencing, budget exhausted and configured
 *              to stop): stop cleanly without committing the record.
 */
export const ERROR_KINDS = ['retriable', 'poison', 'fatal'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export const ERROR_CODES = [
  // input
  'decode_failed', // bytes are not JSON / not registry framing / an unknown schema id
  'invalid_utf8', // the value is not valid UTF-8 (refused, never repaired with U+FFFD)
  'schema_subject_mismatch', // registry frame whose schema id belongs to another subject than the topic's
  'schema_invalid', // JSON, but does not satisfy the topic's contract
  'input_rejected', // a stage refused the record on purpose (e.g. empty text)
  // LLM
  'llm_rate_limited', // 429
  'llm_server_error', // 5xx
  'llm_timeout',
  'llm_connection', // refused / reset
  'llm_circuit_open', // breaker is open; the endpoint is considered down
  'llm_malformed_reply', // not JSON or not schema-valid, after bounded re-asks
  'llm_bad_request', // 4xx other than 429: our request is wrong for this endpoint
  'budget_exhausted',
  // Kafka / registry
  'kafka_retriable', // transient broker condition: retry the same operation
  'kafka_txn_abort', // the current transaction must be aborted and its work redone
  'kafka_fatal',
  'registry_error', // the registry refused the request (4xx other than 404): our side is wrong
  'registry_unavailable', // the registry is unreachable or failing (5xx, network): wait, never dead-letter
  'fenced', // another instance owns this partition now; work must be dropped, not committed
  // process
  'config_invalid',
  'stage_failed', // a stage threw something we could not classify (treated as retriable, then poison)
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class PersonahubError extends Error {
  readonly kind: ErrorKind;
  readonly code: ErrorCode;
  /** Seconds the caller should wait before retrying, when the failure says so (HTTP Retry-After). */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: ErrorKind,
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PersonahubError';
    this.kind = kind;
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export const retriable = (code: ErrorCode, message: string, opts?: { cause?: unknown; retryAfterMs?: number }) =>
  new PersonahubError('retriable', code, message, opts);
export const poison = (code: ErrorCode, message: string, opts?: { cause?: unknown }) =>
  new PersonahubError('poison', code, message, opts);
export const fatal = (code: ErrorCode, message: string, opts?: { cause?: unknown }) =>
  new PersonahubError('fatal', code, message, opts);

export const isPersonahubError = (e: unknown): e is PersonahubError => e instanceof PersonahubError;
export const isRetriable = (e: unknown): boolean => isPersonahubError(e) && e.kind === 'retriable';
export const isPoison = (e: unknown): boolean => isPersonahubError(e) && e.kind === 'poison';
export const isFatal = (e: unknown): boolean => isPersonahubError(e) && e.kind === 'fatal';

/**
 * Infrastructure errors say nothing about the record being processed: the broker or the registry is away. The
 * runtime waits them out (bounded backoff, readiness not-ready) without counting them against the record's
 * attempts, so an outage of any length never dead-letters a valid record.
 */
export const INFRASTRUCTURE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['registry_unavailable', 'kafka_retriable']);
export const isInfrastructure = (e: PersonahubError): boolean => e.kind === 'retriable' && INFRASTRUCTURE_CODES.has(e.code);

/**
 * Classify anything thrown into the taxonomy. Foreign errors are judged by structured fields only
 * (a client's boolean `retriable`, an HTTP `status`; librdkafka errors in src/kafka/errors.ts), never by message text. Unknown errors from a stage are
 * treated as retriable `stage_failed`: the runtime's bounded attempts turn a persistent one into poison.
 */
export function classify(e: unknown): PersonahubError {
  if (isPersonahubError(e)) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const anyErr = e as { retriable?: unknown; status?: unknown } | null;
  if (anyErr && typeof anyErr === 'object' && typeof anyErr.retriable === 'boolean') {
    return anyErr.retriable
      ? retriable('kafka_retriable', err.message, { cause: e })
      : fatal('kafka_fatal', err.message, { cause: e });
  }
  if (anyErr && typeof anyErr === 'object' && typeof anyErr.status === 'number') {
    const s = anyErr.status;
    if (s === 429) return retriable('llm_rate_limited', err.message, { cause: e });
    if (s >= 500) return retriable('llm_server_error', err.message, { cause: e });
    return poison('llm_bad_request', err.message, { cause: e });
  }
  return retriable('stage_failed', err.message, { cause: e });
}
