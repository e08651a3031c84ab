/**
 * Adaptive concurrency for one endpoint (AIMD), within [min, max] = [llm.endpoint.minInFlight, maxInFlight].
 *
 * The limit starts at max (a large endpoint is saturated from the first request) and moves by what the endpoint
 * says about its load:
 *   - decrease ×`backoff` on 429, 5xx and timeouts, and when the median of the last 5 replies of a kind is slower
 *     than `tolerance` × the baseline latency of that kind (a queue is building up at the server: a one-slot local
 *     server answers N in flight in about N times the time of one). At most one decrease per `cooldown` (the
 *     current baseline, so a burst of slow replies that were all sent under the old limit counts once; before any
 *     reply, every signal counts).
 *   - increase +1 per reply within 1.5 × its baseline (spare capacity), hold in between. Recovery after a
 *     spurious decrease therefore takes a few dozen replies, not minutes; on a one-slot server the limit settles
 *     where replies take 1.5–2.5 × the time of one, i.e. 1–2 in flight.
 * What the server adds is what counts, not what this process adds: a latency is first reduced by the process's own
 * event-loop delay (`selfDelayMs`: a reply that sat in our socket buffer while the loop was busy says nothing about
 * the server), and a queue only counts once it exceeds `floorMs` over the baseline (so a sub-millisecond baseline,
 * as against a local 0 ms server, does not turn a few ms of jitter into "10 × slower"). Without both, a client
 * whose own CPU is the bottleneck read its own delay as server congestion and fell to 1–2 in flight against a 0 ms
 * simulator. A real queue at a one-slot server grows by a whole reply time per request and still shows.
 * The baseline is per kind of call (stage and scenario: an article takes longer than a persona), the smallest
 * latency seen among the last `window` replies of that kind, so it follows a model or machine that got slower.
 *
 * Invariants: min ≤ limit ≤ max at all times; the effective in-flight cap is floor(limit), never below 1.
 */
export interface AdaptiveOptions {
  min: number;
  max: number;
  /** A reply slower than tolerance × baseline is a congestion signal. */
  tolerance?: number;
  /** Multiplicative decrease factor. */
  backoff?: number;
  /** Replies per kind the baseline looks back over. */
  window?: number;
  /** A reply is only slow when it exceeds its baseline by more than this (ms). */
  floorMs?: number;
  /** This process's own current delay in answering I/O (event-loop delay, ms); subtracted from every latency. */
  selfDelayMs?: () => number;
  now?: () => number;
}

/** Replies whose median is compared with the baseline. */
const SMOOTH = 5;
/** A reply within FAST × baseline shows spare capacity: the limit grows by one. */
const FAST = 1.5;

export class AdaptiveConcurrency {
  private value: number;
  private readonly min: number;
  private readonly max: number;
  private readonly tolerance: number;
  private readonly backoff: number;
  private readonly window: number;
  private readonly now: () => number;
  private readonly floorMs: number;
  private readonly selfDelayMs: () => number;
  private readonly recent = new Map<string, number[]>();
  private lastDecrease = -Infinity;
  private cooldownMs = 0;

  constructor(o: AdaptiveOptions) {
    this.min = Math.max(1, Math.min(o.min, o.max));
    this.max = Math.max(this.min, o.max);
    this.value = this.max;
    this.tolerance = o.tolerance ?? 2.5;
    this.backoff = o.backoff ?? 0.7;
    this.window = o.window ?? 50;
    this.now = o.now ?? (() => performance.now());
    this.floorMs = o.floorMs ?? 0;
    this.selfDelayMs = o.selfDelayMs ?? (() => 0);
  }

  /** The in-flight cap to enforce now. */
  get limit(): number {
    return Math.max(1, Math.floor(this.value));
  }

  private baseline(kind: string): number | undefined {
    const r = this.recent.get(kind);
    return r && r.length > 0 ? Math.min(...r) : undefined;
  }

  /** A reply came back in `latencyMs`. Returns true when the limit changed. */
  onReply(kind: string, latencyMs: number): boolean {
    const base = this.baseline(kind);
    this.cooldownMs = base ?? latencyMs;
    let r = this.recent.get(kind);
    if (!r) this.recent.set(kind, (r = []));
    r.push(latencyMs);
    if (r.length > this.window) r.shift();
    if (base === undefined) return false;
    // The median of the last few replies, so one slow reply (a GC pause, a long answer) is not taken for a queue.
    const last = r.slice(-SMOOTH).sort((a, b) => a - b);
    const self = Math.max(0, this.selfDelayMs());
    const typical = Math.max(0, last[Math.floor((last.length - 1) / 2)]! - self);
    if (typical > this.tolerance * base && typical - base > this.floorMs) return this.decrease();
    const own = Math.max(0, latencyMs - self);
    if (own > FAST * base && own - base > this.floorMs) return false;
    const before = this.limit;
    this.value = Math.min(this.max, this.value + 1);
    return this.limit !== before;
  }

  /** The endpoint pushed back (429, 5xx, timeout). Returns true when the limit changed. */
  onCongestion(): boolean {
    return this.decrease();
  }

  private decrease(): boolean {
    const t = this.now();
    if (t - this.lastDecrease < this.cooldownMs) return false;
    this.lastDecrease = t;
    const before = this.limit;
    this.value = Math.max(this.min, this.value * this.backoff);
    return this.limit !== before;
  }
}
