import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createMetrics } from '../../src/metrics/catalogue.js';

/** The budget alerts (deploy/prometheus/rules) rely on the budget gauge being absent when no budget is set. */
describe('personahub_llm_budget_remaining_usd', () => {
  it('is absent until a budget sets it, then exported', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    expect(await registry.metrics()).not.toMatch(/^personahub_llm_budget_remaining_usd /m);
    metrics.llmBudgetRemaining.set(12.5);
    expect(await registry.metrics()).toMatch(/^personahub_llm_budget_remaining_usd 12\.5$/m);
  });
});
