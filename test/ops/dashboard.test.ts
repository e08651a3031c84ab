import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Registry } from 'prom-client';
import { createMetrics } from '../../src/metrics/catalogue.js';
import { ROWS, VARIABLES, allTargets, buildDashboard } from '../../deploy/grafana/dashboard.js';
import { DASHBOARD_JSON, renderDashboardJson } from '../../deploy/grafana/generate.js';
import { substituteForPrometheus } from './panel-queries.js';
import { promtool } from './promtool.js';

/** Names a query may use for a catalogue metric: counters/gauges as is, histograms with their series suffixes. */
async function catalogueSeriesNames(): Promise<Set<string>> {
  const registry = new Registry();
  createMetrics(registry);
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
  }
  return names;
}

describe('grafana dashboard', () => {
  it('the committed JSON is generated from deploy/grafana/dashboard.ts (run `npm run dashboard:gen`)', () => {
    expect(readFileSync(DASHBOARD_JSON, 'utf8')).toBe(renderDashboardJson());
  });

  it('covers the panels the operators asked for', () => {
    const exprs = allTargets().map((t) => t.target.expr).join('\n');
    for (const metric of [
      'personahub_records_in_total', 'personahub_records_out_total', 'personahub_consumer_lag_records',
      'personahub_processing_seconds_bucket', 'personahub_in_flight_records', 'personahub_records_dead_lettered_total',
      'personahub_records_replayed_total',
      'personahub_llm_requests_total', 'personahub_llm_request_seconds_bucket', 'personahub_llm_errors_total',
      'personahub_llm_retries_total', 'personahub_llm_tokens_total', 'personahub_llm_cost_usd_total',
      'personahub_dedup_hits_total', 'personahub_llm_budget_remaining_usd',
      'gen_ai_client_token_usage_bucket', 'gen_ai_client_token_usage_sum',
      'gen_ai_client_operation_duration_seconds_bucket', 'gen_ai_client_operation_duration_seconds_count',
    ]) expect(exprs, metric).toContain(metric);
    expect(VARIABLES.map((v) => v.name).sort()).toEqual(['scenario', 'stage']);
  });

  it('every metric a query names is declared in the metrics catalogue', async () => {
    const known = await catalogueSeriesNames();
    for (const { panel, target } of allTargets()) {
      for (const name of target.expr.match(/\b(?:personahub|gen_ai_client)_[a-z_]+/g) ?? []) expect(known.has(name), `${panel}: ${name}`).toBe(true);
    }
    for (const v of VARIABLES) expect(known.has(v.metric), v.metric).toBe(true);
  });

  it('uses only declared template variables, and every panel has a unique title and at least one query', () => {
    const declared = new Set(VARIABLES.map((v) => v.name));
    const titles = ROWS.flatMap((r) => r.panels.map((p) => p.title));
    expect(new Set(titles).size).toBe(titles.length);
    for (const { panel, target } of allTargets()) {
      for (const [, name] of target.expr.matchAll(/\$(\w+)/g)) {
        if (name!.startsWith('__')) continue;
        expect(declared.has(name as 'stage'), `${panel}: $${name}`).toBe(true);
      }
    }
    const dash = buildDashboard() as { panels: Array<{ type: string; targets?: unknown[] }> };
    for (const p of dash.panels.filter((p) => p.type !== 'row')) expect(p.targets?.length).toBeGreaterThan(0);
  });

  it('every query is valid PromQL (promtool check rules on them as recording rules)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'personahub-dash-'));
    try {
      const rules = allTargets().map(({ target }, i) => ({
        record: `personahub:dashboard_query_${i}`,
        expr: substituteForPrometheus(target.expr, { stage: ['extract', 'dedup'], scenario: ['math'] }, '1m'),
      }));
      const file = join(dir, 'queries.yml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const r = promtool(['check', 'rules', file]);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain(`${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
