import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics/catalogue.js';
import { BudgetBook, UNITS } from './book.js';
import { budgetName, configuredLimits, type LlmBudgetsConfig } from './config.js';
import type { PauseGate } from './gate.js';
import type { KafkaSpendLedger } from './kafka-ledger.js';

/**
 * Per-scenario and per-stage budgets for the LLM client: admission of each HTTP request, charging of each reply,
 * the pause gate each stage's runner consults, and the spend-vs-limit gauges. The spend is shared through the
 * ledger (kafka-ledger.ts) when one is given; without one the budgets hold per process (unit tests).
 */
export class SharedBudgets {
  readonly book: BudgetBook;

  constructor(
    config: LlmBudgetsConfig,
    private readonly o: { metrics: Metrics; logger?: Logger; ledger?: (book: BudgetBook) => KafkaSpendLedger; instance?: string },
  ) {
    this.book = new BudgetBook(configuredLimits(config), o.instance ?? randomUUID());
    this.ledger = o.ledger?.(this.book);
    this.book.subscribe(() => this.publishGauges());
    this.publishGauges();
  }

  private readonly ledger: KafkaSpendLedger | undefined;

  /** The configured budgets a call of `stage` (and `scenario`) counts against. */
  budgetsFor(stage: string, scenario?: string): string[] {
    const names = [budgetName('stage', stage), ...(scenario !== undefined ? [budgetName('scenario', scenario)] : [])];
    return names.filter((n) => this.book.limit(n) !== undefined);
  }

  /**
   * Resolve (abortable) once none of `budgets` is exhausted; counts nothing. The wait happens only for calls already
   * handed to a stage when the budget ran out: the runner stops handing out records as soon as the gate closes.
   */
  async whenOpen(budgets: readonly string[], signal?: AbortSignal): Promise<void> {
    if (budgets.length === 0) return;
    await this.ledger?.start();
    while (this.book.blocking(budgets) !== undefined) {
      if (signal?.aborted) throw signal.reason;
      await new Promise<void>((resolve, reject) => {
        const unsubscribe = this.book.subscribe(() => {
          if (this.book.blocking(budgets) !== undefined) return;
          done();
          resolve();
        });
        const onAbort = () => {
          done();
          reject(signal?.reason);
        };
        const done = () => {
          unsubscribe();
          signal?.removeEventListener('abort', onAbort);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  /**
   * Count one request against `budgets` if none is exhausted, in one synchronous step (so one process never counts
   * past a limit); false when one is. Call it right before sending.
   */
  tryCount(budgets: readonly string[]): boolean {
    if (budgets.length === 0) return true;
    if (this.book.blocking(budgets) !== undefined) return false;
    this.book.add(budgets, { requests: 1 });
    return true;
  }

  /** whenOpen + tryCount until it counts (tests and callers without a limiter). */
  async admit(budgets: readonly string[], signal?: AbortSignal): Promise<void> {
    do await this.whenOpen(budgets, signal);
    while (!this.tryCount(budgets));
  }

  /** Charge one reply's tokens and estimated cost. */
  charge(budgets: readonly string[], tokens: number, usd: number): void {
    if (budgets.length > 0) this.book.add(budgets, { tokens, usd });
  }

  /** The gate of a stage: closed while any budget that applies to it is exhausted. */
  gate(stage: string, scenario?: string): PauseGate | undefined {
    const budgets = this.budgetsFor(stage, scenario);
    if (budgets.length === 0) return undefined;
    void this.ledger?.start().catch((e: unknown) => this.o.logger?.error({ err: String(e) }, 'spend ledger unavailable'));
    return {
      closed: () => this.book.blocking(budgets) !== undefined,
      reason: () => {
        const b = this.book.blocking(budgets);
        if (!b) return undefined;
        const t = this.book.total(b);
        const l = this.book.limit(b)!;
        return `budget ${b} exhausted (${UNITS.filter((u) => l[u] !== undefined).map((u) => `${u} ${round(t[u])}/${l[u]}`).join(', ')})`;
      },
      subscribe: (cb) => this.book.subscribe(cb),
    };
  }

  private publishGauges(): void {
    for (const b of this.book.budgets) {
      const l = this.book.limit(b)!;
      const t = this.book.total(b);
      for (const unit of UNITS) {
        this.o.metrics.llmBudgetSpent.set({ budget: b, unit }, t[unit]);
        if (l[unit] !== undefined) this.o.metrics.llmBudgetLimit.set({ budget: b, unit }, l[unit]);
        else this.o.metrics.llmBudgetLimit.remove({ budget: b, unit });
      }
      this.o.metrics.llmBudgetExhausted.set({ budget: b }, this.book.exhausted(b) ? 1 : 0);
    }
  }

  async close(): Promise<void> {
    await this.ledger?.close();
  }
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;
