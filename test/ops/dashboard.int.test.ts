import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusProcess, freePort } from '../../scripts/ops/prometheus-process.js';
import { runDataflowOnce, type DataflowRun } from '../../scripts/ops/dataflow-run.js';
import { VARIABLES, allTargets } from '../../deploy/grafana/dashboard.js';
import { evaluatePanels, variableValues, type PanelResult } from './panel-queries.js';

/**
 * The dashboard proven on real data: the whole dataflow (`personahub up --once`, every stage, real broker and
 * registry, simulator with injected faults, two poison documents) runs with a private Debian Prometheus scraping
 * its /metrics every second; then every panel query of deploy/grafana/dashboard.ts, with `$stage` / `$scenario`
 * set to the values Prometheus lists for them (as Grafana's label_values() would), must return at least one series.
 */
const SCRAPE_SECONDS = 1;

let prom: PrometheusProcess;
let run: DataflowRun;
let lastScrape: number;

beforeAll(async () => {
  const port = await freePort();
  prom = await PrometheusProcess.start({ targets: [`127.0.0.1:${port}`], scrapeIntervalSeconds: SCRAPE_SECONDS });
  run = await runDataflowOnce({ httpPort: port, maxDocuments: 8, timeoutSeconds: 180 });
  // The process has exited: its series are stale from now on, so evaluate at the last scrape that reached it.
  const up = await prom.queryRange('up', run.startedAt / 1000 - 5, Date.now() / 1000, SCRAPE_SECONDS);
  const upTimes = (up[0]?.values ?? []).filter(([, v]) => v === '1').map(([t]) => t);
  lastScrape = Math.max(...upTimes);
}, 420_000);

afterAll(async () => {
  await prom?.stop();
});

describe('Grafana dashboard on a real run', () => {
  it('the dataflow ran to completion and Prometheus scraped it', () => {
    expect(run.exitCode, run.output).toBe(0);
    expect(Number.isFinite(lastScrape), 'no successful scrape of the run').toBe(true);
  });

  it('every template variable lists values', async () => {
    const values = await variableValues(prom);
    for (const v of VARIABLES) expect(values[v.name]!.length, v.name).toBeGreaterThan(0);
    expect(values.stage).toEqual(expect.arrayContaining(['pagefilter', 'extract', 'dedup', 'expand', 'synthesize-math']));
  });

  it('every panel query returns at least one series', async () => {
    const values = await variableValues(prom);
    const results: PanelResult[] = await evaluatePanels(prom, values, lastScrape, '1m');
    expect(results.length).toBe(allTargets().length);
    const empty = results.filter((r) => r.series === 0).map((r) => `${r.panel}: ${r.expr}`);
    expect(empty, `panels without data:\n${empty.join('\n')}`).toEqual([]);

    // Series alone could all be zero: the overview counts must reflect what the run did.
    const stat = (title: string) => results.find((r) => r.panel === title)!.values[0]!;
    expect(stat('Documents consumed')).toBeGreaterThanOrEqual(10); // 8 documents + 2 poison records (redelivery may add)
    expect(stat('Unique personas')).toBeGreaterThan(0);
    expect(stat('Synthetic samples')).toBeGreaterThan(0);
    expect(stat('Estimated spend')).toBeGreaterThan(0);
    expect(stat('Budget remaining')).toBeLessThan(50);

    // Diversity row: gauges of ratios are ratios (rate ratios may be NaN when nothing moved in the last window).
    const all = (title: string) => results.find((r) => r.panel === title)!.values.filter(Number.isFinite);
    for (const title of ['distinct-1 / distinct-2 of outputs', 'Mean pairwise embedding similarity']) {
      expect(all(title).length, title).toBeGreaterThan(0);
      for (const v of all(title)) expect(v, title).toBeGreaterThan(0);
      for (const v of all(title)) expect(v, title).toBeLessThanOrEqual(1 + 1e-9);
    }
    expect(all('Unique personas per hop').length).toBeGreaterThan(1); // hop 0 and beyond
    // The default simulator agrees with itself: every math problem was verified, none filtered.
    const one = async (expr: string) => Number((await prom.query(expr, lastScrape))[0]?.value[1] ?? NaN);
    expect(await one('sum(personahub_math_verifications_total{outcome="verified"})')).toBeGreaterThan(0);
    expect(await one('sum(personahub_math_verifications_total{outcome!="verified"}) or vector(0)')).toBe(0);
  });

  it('the OpenTelemetry GenAI metrics account for the same calls and tokens as personahub\'s own', async () => {
    const one = async (expr: string) => Number((await prom.query(expr, lastScrape))[0]?.value[1] ?? NaN);
    const tokens = await one('sum(personahub_llm_tokens_total)');
    expect(tokens).toBeGreaterThan(0);
    expect(await one('sum(gen_ai_client_token_usage_sum)')).toBe(tokens);
    expect(await one('sum(gen_ai_client_token_usage_sum{gen_ai_token_type="output"})')).toBe(await one('sum(personahub_llm_tokens_total{direction="output"})'));
    const attempts = await one('sum(personahub_llm_requests_total)');
    expect(await one('sum(gen_ai_client_operation_duration_seconds_count)')).toBe(attempts);
    // The simulator injected faults: failed attempts carry error_type, and match the non-ok outcomes.
    expect(await one('sum(gen_ai_client_operation_duration_seconds_count{error_type!=""})')).toBe(await one('sum(personahub_llm_requests_total{outcome!="ok"})'));
    const ops = await prom.query('count by (gen_ai_operation_name, gen_ai_provider_name) (gen_ai_client_operation_duration_seconds_count)', lastScrape);
    expect(ops.map((s) => s.metric.gen_ai_operation_name)).toContain('chat');
    expect(ops.every((s) => s.metric.gen_ai_provider_name === 'openai')).toBe(true);
  });
});
