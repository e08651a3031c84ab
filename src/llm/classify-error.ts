import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { fatal, isPersonahubError, poison, retriable, type PersonahubError } from '../errors.js';
import { retryAfterMs } from './retry-after.js';

/**
 * Classify what the `openai` client threw for one HTTP attempt, by error class and HTTP status only:
 *   429                      retriable llm_rate_limited (with the Retry-After the endpoint sent)
 *   5xx, 408, 409            retriable llm_server_error (408/409 are transient by OpenAI's own retry rules)
 *   timeout                  retriable llm_timeout
 *   connection refused/reset retriable llm_connection
 *   401, 403, 404            fatal llm_bad_request: credentials, permissions or the model name are wrong for every call
 *   other 4xx                poison llm_bad_request: this request cannot succeed (e.g. too long for the context)
 * Returns undefined for a user abort: the caller rethrows its signal's reason.
 */
export function classifyAttemptError(e: unknown): PersonahubError | undefined {
  if (isPersonahubError(e)) return e;
  if (e instanceof APIUserAbortError) return undefined;
  if (e instanceof APIConnectionTimeoutError) return retriable('llm_timeout', 'LLM request timed out', { cause: e });
  if (e instanceof APIConnectionError) return retriable('llm_connection', 'LLM endpoint unreachable', { cause: e });
  if (e instanceof APIError && typeof e.status === 'number') {
    const s = e.status;
    const wait = retryAfterMs(e.headers ?? undefined);
    if (s === 429) return retriable('llm_rate_limited', `LLM endpoint rate-limited the request (429)`, { cause: e, ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
    if (s >= 500 || s === 408 || s === 409)
      return retriable('llm_server_error', `LLM endpoint failed (${s})`, { cause: e, ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
    if (s === 401 || s === 403 || s === 404) return fatal('llm_bad_request', `LLM endpoint refused the configuration (${s}): ${e.message}`, { cause: e });
    return poison('llm_bad_request', `LLM endpoint rejected the request (${s}): ${e.message}`, { cause: e });
  }
  return retriable('llm_connection', 'LLM request failed', { cause: e });
}

/** Failures that say the endpoint is unhealthy (they count toward opening the circuit). 429 does not: it is alive. */
export const isEndpointFailure = (e: PersonahubError) =>
  e.code === 'llm_server_error' || e.code === 'llm_timeout' || e.code === 'llm_connection';
