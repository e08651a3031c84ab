import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { isPersonahubError } from '../errors.js';
import { isEndpointFailure } from './classify-error.js';
import type { EndpointConfig } from './config.js';
import { AdaptiveConcurrency } from './adaptive.js';
import { eventLoopDelayMs } from './event-loop-delay.js';
import { EndpointLimiter } from './limiter.js';
import type { ProbeResult } from './probe-structured.js';

/**
 * What is shared by every client of one endpoint in this process: the limiter (in-flight, requests and tokens per
 * window) and the circuit breaker. Several stages in one process, each with its own client object, therefore stay
 * within one set of limits together. Keyed by base URL and the limit settings.
 */
export interface EndpointShared {
  key: string;
  /** Bounded label for metrics: host:port of the base URL. */
  label: string;
  limiter: EndpointLimiter;
  breaker: CircuitBreakerPolicy;
  isOpen(): boolean;
  /** Negotiated structured-output mode per model (`llm.structuredOutput: auto`); a failed probe is not kept. */
  structured: Map<string, Promise<ProbeResult>>;
  /** AIMD on the in-flight cap (undefined when llm.endpoint.adaptiveConcurrency is false). */
  adaptive: AdaptiveConcurrency | undefined;
}

const shared = new Map<string, EndpointShared>();

export function endpointLabel(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    return u.host;
  } catch {
    return 'invalid';
  }
}

export function sharedEndpoint(cfg: EndpointConfig): EndpointShared {
  const key = JSON.stringify([cfg.baseUrl, cfg.maxInFlight, cfg.adaptiveConcurrency, cfg.minInFlight, cfg.latencyTolerance, cfg.latencyFloorMs, cfg.requestsPerMinute, cfg.tokensPerMinute, cfg.rateWindowMs, cfg.rateGuardMs, cfg.breakerFailures, cfg.breakerHalfOpenAfterMs]);
  const hit = shared.get(key);
  if (hit) return hit;
  const scale = cfg.rateWindowMs / 60_000;
  const limiter = new EndpointLimiter({
    maxInFlight: cfg.maxInFlight,
    // Never below one per window, or a tiny limit with a short window would admit nothing.
    requestsPerWindow: Math.max(1, Math.floor(cfg.requestsPerMinute * scale)),
    tokensPerWindow: Math.max(1, Math.floor(cfg.tokensPerMinute * scale)),
    windowMs: cfg.rateWindowMs,
    ...(cfg.rateGuardMs !== undefined ? { guardMs: cfg.rateGuardMs } : {}),
  });
  // Only failures that say the endpoint is unwell count; 429 (alive but busy) and malformed replies do not.
  const breaker = circuitBreaker(
    handleWhen((e) => isPersonahubError(e) && isEndpointFailure(e)),
    { halfOpenAfter: cfg.breakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(cfg.breakerFailures) },
  );
  const made: EndpointShared = {
    key,
    label: endpointLabel(cfg.baseUrl),
    limiter,
    breaker,
    isOpen: () => breaker.state !== CircuitState.Closed,
    structured: new Map(),
    adaptive: cfg.adaptiveConcurrency ? new AdaptiveConcurrency({ min: cfg.minInFlight, max: cfg.maxInFlight, tolerance: cfg.latencyTolerance, floorMs: cfg.latencyFloorMs, selfDelayMs: eventLoopDelayMs }) : undefined,
  };
  shared.set(key, made);
  return made;
}

/** Forget shared endpoint state (tests that reuse one URL with fresh limits). */
export function resetSharedEndpoints(): void {
  for (const s of shared.values()) s.limiter.close(new Error('endpoint state reset'));
  shared.clear();
}
