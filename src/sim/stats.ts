import { maxInWindow } from '../util/window.js';
import type { SimulatorCounters } from '../metrics/catalogue.js';
import { performance } from 'node:perf_hooks';

/**
 * What the simulator saw, for tests to check the client against: request counts, the largest number of API
 * requests open at once, arrival times (for the highest count in any sliding window), the gap between attempts of
 * the same call together with the Retry-After the earlier attempt was given, faults injected, and the token usage
 * the simulator reported in its replies.
 */
export type FaultKind = 'rate_limited' | 'server_error' | 'timeout' | 'malformed_json' | 'malformed_schema';

export interface RetryGap {
  /** Attempt number of the later request (2 = first retry), per call key. */
  attempt: number;
  /** From the moment the previous attempt was answered (or dropped) to the arrival of this one. */
  gapMs: number;
  previousStatus: number | 'timeout';
  /** Retry-After the previous reply carried, in ms; null when it carried none. */
  previousRetryAfterMs: number | null;
}

export interface SimStatsSnapshot {
  requests: { total: number; chat: number; embeddings: number; models: number; other: number };
  inFlight: number;
  maxInFlight: number;
  ok: number;
  faults: Record<FaultKind, number>;
  usage: { promptTokens: number; completionTokens: number };
  /** Highest number of API requests that arrived within any window of `windowMs`. */
  maxInWindow: { windowMs: number; count: number };
  /** Requests per minute, one entry per whole minute since start (or the last reset). */
  perMinute: number[];
  retryGaps: RetryGap[];
  /** Chat requests that set a reply-length cap, by the field they used. */
  lengthCapFields: { max_tokens: number; max_completion_tokens: number };
  firstArrivalMs: number | null;
  lastArrivalMs: number | null;
}

interface CallState {
  attempts: number;
  lastEndedAt: number | null;
  lastStatus: number | 'timeout' | null;
  lastRetryAfterMs: number | null;
}

export class SimStats {
  private startedAt = performance.now();
  private requests = { total: 0, chat: 0, embeddings: 0, models: 0, other: 0 };
  private inFlight = 0;
  private maxInFlight = 0;
  private ok = 0;
  private faults: Record<FaultKind, number> = { rate_limited: 0, server_error: 0, timeout: 0, malformed_json: 0, malformed_schema: 0 };
  private usage = { promptTokens: 0, completionTokens: 0 };
  private arrivals: number[] = [];
  private calls = new Map<string, CallState>();
  private retryGaps: RetryGap[] = [];
  private lengthCapFields = { max_tokens: 0, max_completion_tokens: 0 };

  constructor(private readonly maxArrivals: number) {}

  now(): number {
    return performance.now() - this.startedAt;
  }

  countRequest(kind: 'chat' | 'embeddings' | 'models' | 'other') {
    this.requests.total++;
    this.requests[kind]++;
  }

  /** An API request's headers arrived: count it in flight; returns the arrival time. */
  enter(): number {
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    return this.now();
  }

  /** Its body was read and it is a well-formed API call: log the arrival and the gap since the call's last attempt. */
  arrive(key: string, t: number): void {
    if (this.arrivals.length >= this.maxArrivals) this.arrivals.splice(0, this.arrivals.length - this.maxArrivals + 1);
    this.arrivals.push(t);
    const call = this.calls.get(key);
    if (call) {
      call.attempts++;
      if (call.lastEndedAt !== null && call.lastStatus !== null)
        this.retryGaps.push({
          attempt: call.attempts,
          gapMs: t - call.lastEndedAt,
          previousStatus: call.lastStatus,
          previousRetryAfterMs: call.lastRetryAfterMs,
        });
    } else {
      // Bounded memory for long runs: forget the oldest calls (a Map iterates in insertion order).
      if (this.calls.size >= this.maxArrivals) this.calls.delete(this.calls.keys().next().value!);
      this.calls.set(key, { attempts: 1, lastEndedAt: null, lastStatus: null, lastRetryAfterMs: null });
    }
    if (this.retryGaps.length > this.maxArrivals) this.retryGaps.splice(0, this.retryGaps.length - this.maxArrivals);
  }

  /** The request left the simulator (answered, or the client went away). Called exactly once per `enter`. */
  leave(key: string | undefined, status: number | 'timeout', retryAfterMs: number | null) {
    this.inFlight--;
    const call = key === undefined ? undefined : this.calls.get(key);
    if (call) {
      call.lastEndedAt = this.now();
      call.lastStatus = status;
      call.lastRetryAfterMs = retryAfterMs;
    }
  }

  lengthCap(field: 'max_tokens' | 'max_completion_tokens') {
    this.lengthCapFields[field]++;
  }

  fault(kind: FaultKind) {
    this.faults[kind]++;
  }

  answered(usage: { promptTokens: number; completionTokens: number } | null) {
    this.ok++;
    if (usage) {
      this.usage.promptTokens += usage.promptTokens;
      this.usage.completionTokens += usage.completionTokens;
    }
  }

  /** Plain counters for /metrics: O(1), unlike snapshot(). */
  counters(): SimulatorCounters {
    return { requests: { ...this.requests }, faults: { ...this.faults }, answered: this.ok, inFlight: this.inFlight, usage: { ...this.usage } };
  }

  snapshot(windowMs = 60_000): SimStatsSnapshot {
    // Bodies finish arriving in a slightly different order than headers: sort before scanning.
    const a = [...this.arrivals].sort((x, y) => x - y);
    const best = maxInWindow(a, windowMs);
    const perMinute: number[] = [];
    for (const t of a) {
      const m = Math.floor(t / 60_000);
      while (perMinute.length <= m) perMinute.push(0);
      perMinute[m]!++;
    }
    return {
      requests: { ...this.requests },
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      ok: this.ok,
      faults: { ...this.faults },
      usage: { ...this.usage },
      maxInWindow: { windowMs, count: best },
      perMinute,
      retryGaps: [...this.retryGaps],
      lengthCapFields: { ...this.lengthCapFields },
      firstArrivalMs: a.length > 0 ? a[0]! : null,
      lastArrivalMs: a.length > 0 ? a[a.length - 1]! : null,
    };
  }

  reset() {
    const fresh = new SimStats(this.maxArrivals);
    // Requests open across a reset still depart later: keep the open count so it never goes negative.
    fresh.inFlight = this.inFlight;
    Object.assign(this, fresh);
  }
}
