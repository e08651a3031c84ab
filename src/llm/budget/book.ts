import type { BudgetLimit } from './config.js';
import type { LedgerRecord } from './ledger-record.js';

export interface Spend {
  requests: number;
  tokens: number;
  usd: number;
}
const zero = (): Spend => ({ requests: 0, tokens: 0, usd: 0 });
export const UNITS = ['requests', 'tokens', 'usd'] as const;

/**
 * The budget arithmetic, without I/O: limits by budget name, spend by budget and instance (this process's own
 * counted locally and at once; the others' as last published on the ledger), the total as their sum.
 *
 * Invariant: within one process, a request is counted in the same synchronous step in which it is admitted, so
 * one process never admits more requests than its limit. Across processes the overshoot is bounded by what the
 * others admitted but had not yet published (flushMs plus one poll) and the calls in flight.
 */
export class BudgetBook {
  private readonly limits = new Map<string, BudgetLimit>();
  private readonly spend = new Map<string, Map<string, Spend>>();
  private readonly listeners = new Set<() => void>();
  private readonly dirty = new Set<string>();

  constructor(
    configured: Map<string, BudgetLimit>,
    readonly instance: string,
  ) {
    for (const [k, v] of configured) this.limits.set(k, v);
  }

  get budgets(): string[] {
    return [...this.limits.keys()].sort();
  }

  limit(budget: string): BudgetLimit | undefined {
    return this.limits.get(budget);
  }

  total(budget: string): Spend {
    const t = zero();
    for (const s of this.spend.get(budget)?.values() ?? []) {
      t.requests += s.requests;
      t.tokens += s.tokens;
      t.usd += s.usd;
    }
    return t;
  }

  own(budget: string): Spend {
    return this.spend.get(budget)?.get(this.instance) ?? zero();
  }

  exhausted(budget: string): boolean {
    const l = this.limits.get(budget);
    if (!l) return false;
    const t = this.total(budget);
    return (l.requests !== undefined && t.requests >= l.requests) || (l.tokens !== undefined && t.tokens >= l.tokens) || (l.usd !== undefined && t.usd >= l.usd);
  }

  /** The first exhausted budget among `budgets`, or undefined. */
  blocking(budgets: readonly string[]): string | undefined {
    return budgets.find((b) => this.exhausted(b));
  }

  /** Count this process's spend; `budgets` are the ones that apply to the call (only configured ones count). */
  add(budgets: readonly string[], d: Partial<Spend>): void {
    for (const b of budgets) {
      if (!this.limits.has(b)) continue;
      let by = this.spend.get(b);
      if (!by) this.spend.set(b, (by = new Map()));
      const s = by.get(this.instance) ?? zero();
      by.set(this.instance, { requests: s.requests + (d.requests ?? 0), tokens: s.tokens + (d.tokens ?? 0), usd: s.usd + (d.usd ?? 0) });
      this.dirty.add(b);
    }
    this.changed();
  }

  /** Budgets whose own spend changed since the last call (what to publish). */
  takeDirty(): string[] {
    const out = [...this.dirty];
    this.dirty.clear();
    return out;
  }

  /** Apply a ledger record: another instance's cumulative spend, or a raised limit. Own records are ignored. */
  apply(r: LedgerRecord): void {
    if (r.kind === 'limit') {
      this.limits.set(r.budget, r.limit);
    } else {
      if (r.instance === this.instance) return;
      let by = this.spend.get(r.budget);
      if (!by) this.spend.set(r.budget, (by = new Map()));
      by.set(r.instance, { requests: r.requests, tokens: r.tokens, usd: r.usd });
    }
    this.changed();
  }

  /** Called after every change of spend or limits (gates re-evaluate, waiting calls re-check). */
  subscribe(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private changed(): void {
    for (const cb of [...this.listeners]) cb();
  }
}
