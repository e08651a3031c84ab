/**
 * Admission control for one endpoint: at most `maxInFlight` requests open, at most `requestsPerWindow` request
 * starts and `tokensPerWindow` tokens in any sliding window of `windowMs`, and an optional hold (after a 429 the
 * whole endpoint waits out its Retry-After, so one overloaded endpoint does not see a retry storm).
 *
 * Starts are also paced evenly, one per `windowMs / requestsPerWindow` (a GCRA with 100 ms of catch-up tolerance, so a
 * late timer catches up without building credit while idle), and so are tokens: each start costs its estimated
 * tokens × `windowMs / tokensPerWindow` of pacing time (corrected by the reported usage on release), so a token
 * limit spreads calls over the window instead of letting a window's worth out at once and then idling. Without pacing, a full window's worth would start
 * at once whenever the window frees up, and the spread of those bursts in transit would let the server count
 * more than the limit in its own window. Pacing is also how providers replenish their limits.
 *
 * Why not bottleneck: its reservoir refills in fixed windows, which lets up to twice the limit through in a
 * sliding window that straddles a refill; its queue cannot be cancelled by an AbortSignal; and it cannot correct a
 * job's weight after the fact (we estimate tokens before the call and learn the real count after). A sliding log
 * gives exact limits for the window and costs O(1) amortised per request.
 *
 * Invariants:
 * - A permit counts toward the window from the moment it is granted until `windowMs + guardMs` later; the guard
 *   absorbs the transit time between our grant and the server's clock (so the server, which sees arrivals a few
 *   ms late and unevenly, still never counts more than the limit in its own window).
 * - Waiters are served strictly in arrival order (no starvation of large token requests).
 * - `release` is idempotent; every granted permit must be released exactly once (the in-flight count depends on it).
 */
export interface LimiterOptions {
  maxInFlight: number;
  requestsPerWindow: number;
  tokensPerWindow: number;
  windowMs: number;
  /** Extra time an admission keeps counting after its window; default max(1% of the window, 20 ms). */
  guardMs?: number;
  /** How late a paced start may be and still be caught up (the largest burst is about this ÷ the interval). */
  paceToleranceMs?: number;
  now?: () => number;
}

export interface Permit {
  /** Give the slot back; `actualTokens` replaces the estimate in the token window (reported usage). */
  release(actualTokens?: number): void;
}

interface TokenEntry {
  t: number;
  n: number;
  live: boolean;
}

interface Waiter {
  tokens: number;
  resolve: (p: Permit) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class EndpointLimiter {
  private readonly opts: Required<Omit<LimiterOptions, 'now'>>;
  private readonly now: () => number;
  private open = 0;
  private readonly starts: number[] = [];
  private startsHead = 0;
  private readonly tokenLog: TokenEntry[] = [];
  private tokenHead = 0;
  private tokenSum = 0;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private holdUntil = 0;
  /** GCRA theoretical arrival time of the next start, by request count and by tokens. */
  private tat = 0;
  private tokenTat = 0;
  private readonly interval: number;
  private readonly tokenInterval: number;
  /** The in-flight cap in force (adaptive concurrency may lower it below opts.maxInFlight). */
  private cap: number;

  constructor(o: LimiterOptions) {
    this.opts = { guardMs: Math.max(20, Math.ceil(o.windowMs * 0.01)), paceToleranceMs: 100, ...o } as Required<Omit<LimiterOptions, 'now'>>;
    this.interval = o.windowMs / o.requestsPerWindow;
    this.tokenInterval = o.windowMs / o.tokensPerWindow;
    this.cap = o.maxInFlight;
    this.now = o.now ?? (() => performance.now());
  }

  get inFlight(): number {
    return this.open;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** The in-flight cap in force. */
  get maxInFlight(): number {
    return this.cap;
  }

  /** Change the in-flight cap (1..maxInFlight); permits already granted are not revoked. */
  setMaxInFlight(n: number): void {
    this.cap = Math.max(1, Math.min(this.opts.maxInFlight, Math.floor(n)));
    this.pump();
  }

  /** Hold every new admission until `ms` from now (e.g. an endpoint-wide Retry-After). */
  hold(ms: number): void {
    this.holdUntil = Math.max(this.holdUntil, this.now() + ms);
    this.pump();
  }

  acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Permit>((resolve, reject) => {
      const w: Waiter = { tokens: Math.max(0, estimatedTokens), resolve, reject, signal, onAbort: undefined };
      if (signal) {
        w.onAbort = () => {
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal.reason);
          this.pump();
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queue.push(w);
      this.pump();
    });
  }

  private expiry(t: number): number {
    return t + this.opts.windowMs + this.opts.guardMs;
  }

  private evict(now: number) {
    while (this.startsHead < this.starts.length && this.expiry(this.starts[this.startsHead]!) <= now) this.startsHead++;
    while (this.tokenHead < this.tokenLog.length && this.expiry(this.tokenLog[this.tokenHead]!.t) <= now) {
      const e = this.tokenLog[this.tokenHead++]!;
      e.live = false;
      this.tokenSum -= e.n;
    }
    // Compact now and then so the logs do not grow without bound.
    if (this.startsHead > 1024 && this.startsHead * 2 > this.starts.length) {
      this.starts.splice(0, this.startsHead);
      this.startsHead = 0;
    }
    if (this.tokenHead > 1024 && this.tokenHead * 2 > this.tokenLog.length) {
      this.tokenLog.splice(0, this.tokenHead);
      this.tokenHead = 0;
    }
  }

  /** Earliest time the head waiter could be admitted, or `now` if it can be admitted now. */
  private admissibleAt(w: Waiter, now: number): number {
    // A request larger than the whole token budget is paced like one that fills it exactly, never starved.
    let at = Math.max(now, this.holdUntil, this.tat, this.tokenTat);
    const started = this.starts.length - this.startsHead;
    if (started >= this.opts.requestsPerWindow) {
      at = Math.max(at, this.expiry(this.starts[this.startsHead + started - this.opts.requestsPerWindow]!));
    }
    const liveTokens = this.tokenLog.length - this.tokenHead;
    // A request larger than the whole token budget is let through alone in an empty window, never starved.
    if (liveTokens > 0 && this.tokenSum + w.tokens > this.opts.tokensPerWindow) {
      let excess = this.tokenSum + w.tokens - this.opts.tokensPerWindow;
      let i = this.tokenHead;
      while (i < this.tokenLog.length && excess > 0) excess -= this.tokenLog[i++]!.n;
      at = Math.max(at, this.expiry(this.tokenLog[i - 1]!.t));
    }
    return at;
  }

  private pump = () => {
    for (;;) {
      const w = this.queue[0];
      if (!w || this.open >= this.cap) return;
      const now = this.now();
      this.evict(now);
      const at = this.admissibleAt(w, now);
      if (at > now) return this.wakeAt(at, now);
      this.queue.shift();
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      this.open++;
      this.tat = Math.max(this.tat, now - this.opts.paceToleranceMs) + this.interval;
      this.tokenTat = Math.max(this.tokenTat, now - this.opts.paceToleranceMs) + Math.min(w.tokens, this.opts.tokensPerWindow) * this.tokenInterval;
      this.starts.push(now);
      const entry: TokenEntry = { t: now, n: w.tokens, live: true };
      this.tokenLog.push(entry);
      this.tokenSum += entry.n;
      w.resolve(this.permit(entry));
    }
  };

  private permit(entry: TokenEntry): Permit {
    let released = false;
    return {
      release: (actualTokens?: number) => {
        if (released) return;
        released = true;
        this.open--;
        if (actualTokens !== undefined && actualTokens >= 0 && actualTokens !== entry.n) {
          // Pacing follows the reported usage too: more tokens push the next start out, fewer bring it in.
          this.tokenTat += (Math.min(actualTokens, this.opts.tokensPerWindow) - Math.min(entry.n, this.opts.tokensPerWindow)) * this.tokenInterval;
          if (entry.live) {
            this.tokenSum += actualTokens - entry.n;
            entry.n = actualTokens;
          } else if (actualTokens > entry.n) {
            // The admission already left the window (a call longer than the window): charge the rest now.
            const extra: TokenEntry = { t: this.now(), n: actualTokens - entry.n, live: true };
            this.tokenLog.push(extra);
            this.tokenSum += extra.n;
          }
        }
        this.pump();
      },
    };
  }

  private wakeAt(at: number, now: number) {
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    // +1: timers may fire a fraction of a millisecond early relative to performance.now().
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.ceil(at - now) + 1);
  }

  /** Reject everything still waiting (used on close). */
  close(reason: unknown) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.queue.splice(0)) {
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.reject(reason);
    }
  }
}
