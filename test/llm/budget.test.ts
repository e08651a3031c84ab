import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BudgetBook } from '../../src/llm/budget/book.js';
import { SharedBudgets } from '../../src/llm/budget/budgets.js';
import { LlmBudgetsConfig, configuredLimits } from '../../src/llm/budget/config.js';
import { createMetrics } from '../../src/metrics/catalogue.js';

const cfg = (c: object) => LlmBudgetsConfig.parse(c);

describe('BudgetBook', () => {
  it('sums the spend of every instance; a limit record replaces the configured limit', () => {
    const book = new BudgetBook(configuredLimits(cfg({ scenarios: { math: { requests: 10 } } })), 'me');
    book.add(['scenario:math'], { requests: 4 });
    book.apply({ kind: 'spend', budget: 'scenario:math', instance: 'other', requests: 5, tokens: 0, usd: 0, at: 'x' });
    book.apply({ kind: 'spend', budget: 'scenario:math', instance: 'me', requests: 999, tokens: 0, usd: 0, at: 'x' }); // own echo: ignored
    expect(book.total('scenario:math').requests).toBe(9);
    expect(book.exhausted('scenario:math')).toBe(false);
    book.add(['scenario:math'], { requests: 1 });
    expect(book.exhausted('scenario:math')).toBe(true);
    book.apply({ kind: 'limit', budget: 'scenario:math', limit: { requests: 20 }, at: 'x' });
    expect(book.exhausted('scenario:math')).toBe(false);
    expect(book.takeDirty()).toEqual(['scenario:math']);
    expect(book.takeDirty()).toEqual([]);
  });

  it('any unit reaching its limit exhausts the budget; unconfigured budgets never count', () => {
    const book = new BudgetBook(configuredLimits(cfg({ stages: { extract: { tokens: 100, usd: 1 } } })), 'me');
    book.add(['stage:extract', 'scenario:none'], { tokens: 50, usd: 0.5 });
    expect(book.exhausted('stage:extract')).toBe(false);
    book.add(['stage:extract'], { usd: 0.5 });
    expect(book.exhausted('stage:extract')).toBe(true);
    expect(book.budgets).toEqual(['stage:extract']);
  });
});

describe('SharedBudgets (one process)', () => {
  it('admits exactly N requests, closes the gate at N, and lets waiting calls through when the limit is raised', async () => {
    const metrics = createMetrics(new Registry());
    const b = new SharedBudgets(cfg({ scenarios: { math: { requests: 3 } } }), { metrics });
    const budgets = b.budgetsFor('synthesize-math', 'math');
    expect(budgets).toEqual(['scenario:math']);
    expect(b.budgetsFor('extract')).toEqual([]);
    const gate = b.gate('synthesize-math', 'math')!;
    let changes = 0;
    gate.subscribe(() => changes++);
    for (let i = 0; i < 3; i++) await b.admit(budgets);
    expect(gate.closed()).toBe(true);
    expect(gate.reason()).toBe('budget scenario:math exhausted (requests 3/3)');
    let admitted = false;
    const waiting = b.admit(budgets).then(() => (admitted = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(admitted).toBe(false);
    const aborted = new AbortController();
    const cancelled = b.admit(budgets, aborted.signal).catch((e: unknown) => e);
    aborted.abort(new Error('revoked'));
    expect(await cancelled).toBeInstanceOf(Error);
    b.book.apply({ kind: 'limit', budget: 'scenario:math', limit: { requests: 5 }, at: 'x' });
    await waiting;
    expect(b.book.total('scenario:math').requests).toBe(4);
    expect(gate.closed()).toBe(false);
    expect(changes).toBeGreaterThan(0);
    const spent = (await metrics.llmBudgetSpent.get()).values.find((v) => v.labels.unit === 'requests');
    expect(spent?.value).toBe(4);
    expect((await metrics.llmBudgetLimit.get()).values.find((v) => v.labels.unit === 'requests')?.value).toBe(5);
  });
});
