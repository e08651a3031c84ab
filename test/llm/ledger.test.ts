import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createMetrics } from '../../src/metrics/catalogue.js';
import { UsageLedger } from '../../src/llm/ledger.js';
import { isPersonahubError } from '../../src/errors.js';

const labels = { stage: 'extract', scenario: 'none', model: 'gpt-4o-2024-08-06' };
const prices = { 'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 }, gpt: { inputPerMTok: 100, outputPerMTok: 100 } };

describe('UsageLedger', () => {
  it('prices by exact name, else the longest prefix, else zero', () => {
    const l = new UsageLedger(createMetrics(new Registry()), prices, undefined, 'pause');
    expect(l.priceFor('gpt-4o-2024-08-06')).toEqual(prices['gpt-4o']);
    expect(l.priceFor('gpt-3.5')).toEqual(prices.gpt);
    expect(l.priceFor('llama')).toBeUndefined();
  });

  it('charges tokens and cost into the metrics', async () => {
    const m = createMetrics(new Registry());
    const l = new UsageLedger(m, prices, undefined, 'pause');
    expect(l.charge(labels, 1_000_000, 100_000)).toBeCloseTo(3.5);
    expect((await m.llmTokens.get()).values.map((v) => [v.labels.direction, v.value])).toEqual([['input', 1_000_000], ['output', 100_000]]);
    expect((await m.llmCost.get()).values[0]!.value).toBeCloseTo(3.5);
  });

  it('fail mode: a spent budget fails retriable budget_exhausted', async () => {
    const m = createMetrics(new Registry());
    const l = new UsageLedger(m, prices, 1, 'fail');
    await l.admit();
    l.charge(labels, 400_000, 0);
    const err = await l.admit().catch((e: unknown) => e);
    expect(isPersonahubError(err) && err.kind === 'retriable' && err.code === 'budget_exhausted').toBe(true);
    expect((await m.llmBudgetRemaining.get()).values[0]!.value).toBe(0);
  });

  it('pause mode: calls wait until the budget is raised, and can be aborted', async () => {
    const l = new UsageLedger(createMetrics(new Registry()), prices, 1, 'pause');
    l.charge(labels, 400_000, 0);
    let admitted = false;
    const waiting = l.admit().then(() => (admitted = true));
    const ac = new AbortController();
    const aborted = l.admit(ac.signal).catch((e: unknown) => e);
    await new Promise((r) => setImmediate(r));
    expect(admitted).toBe(false);
    ac.abort(new Error('shutdown'));
    expect(await aborted).toEqual(new Error('shutdown'));
    l.raiseBudget(2);
    await waiting;
    expect(admitted).toBe(true);
  });
});

describe('UsageLedger prices for provider-cached input and batch calls', () => {
  it('prices cached input tokens at the cached-input price, and batch calls at the batch discount', () => {
    const l = new UsageLedger(createMetrics(new Registry()), { m: { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5, batchDiscount: 0.5 } }, undefined, 'pause');
    const at = { stage: 's', scenario: 'none', model: 'm' };
    expect(l.charge(at, 1_000_000, 0)).toBeCloseTo(2);
    expect(l.charge(at, 1_000_000, 0, { cachedInputTokens: 400_000 })).toBeCloseTo(0.6 * 2 + 0.4 * 0.5);
    expect(l.charge(at, 1_000_000, 1_000_000, { batch: true })).toBeCloseTo(5);
    // Without a cached-input price, cached tokens cost the input price.
    const plain = new UsageLedger(createMetrics(new Registry()), { m: { inputPerMTok: 2, outputPerMTok: 8 } }, undefined, 'pause');
    expect(plain.charge(at, 1_000_000, 0, { cachedInputTokens: 1_000_000 })).toBeCloseTo(2);
  });
});
