import { describe, expect, it } from 'vitest';
import { buildDashboard } from '../../deploy/grafana/dashboard.js';
import { typecheckValues, type TypedValue } from './typecheck.js';

/**
 * The dashboard conforms to Grafana's published schema types, the strongest check available without a Grafana
 * server: `@grafana/schema` (the types Grafana's own frontend is built with: Dashboard, Panel, RowPanel,
 * VariableModel, and each panel plugin's options and field config) and the Prometheus query type from
 * `@grafana/grafana-foundation-sdk` (@grafana/schema has none). Every panel, its options, its field config and each
 * of its queries, and every template variable, is checked on its own, so an unknown field, a wrong type or a value
 * outside an enum names the panel or variable it is in.
 */
const IMPORTS = `
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';
import type { Options as TimeSeriesOptions, FieldConfig as TimeSeriesFieldConfig } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type { Dataquery as PrometheusQuery } from '@grafana/grafana-foundation-sdk/prometheus';
`;

type Json = Record<string, any>;

/** What to check for each part of the dashboard, by panel type. */
export function dashboardChecks(dash: Json): TypedValue[] {
  const checks: TypedValue[] = [{ name: 'dashboard', type: 'Dashboard', value: dash }];
  for (const p of dash.panels as Json[]) {
    const name = `${p.type} panel "${p.title}"`;
    if (p.type === 'row') {
      checks.push({ name, type: 'RowPanel', value: p });
      continue;
    }
    checks.push({ name, type: 'Panel', value: p });
    const { custom, ...defaults } = p.fieldConfig?.defaults ?? {};
    checks.push({ name: `${name} fieldConfig`, type: 'Panel["fieldConfig"]', value: { ...p.fieldConfig, defaults } });
    if (p.type === 'timeseries') {
      checks.push({ name: `${name} options`, type: 'TimeSeriesOptions', value: p.options });
      checks.push({ name: `${name} fieldConfig.defaults.custom`, type: 'TimeSeriesFieldConfig', value: custom ?? {} });
    } else if (p.type === 'stat') {
      checks.push({ name: `${name} options`, type: 'StatOptions', value: p.options });
      if (custom !== undefined) checks.push({ name: `${name} fieldConfig.defaults.custom`, type: 'Record<string, never>', value: custom });
    } else {
      checks.push({ name: `${name}: panel type`, type: 'never', value: p.type });
    }
    for (const t of p.targets ?? []) checks.push({ name: `${name} query ${t.refId}`, type: 'PrometheusQuery', value: t });
  }
  for (const v of dash.templating?.list ?? []) checks.push({ name: `variable $${v.name}`, type: 'VariableModel', value: v });
  return checks;
}

const problemsOf = (dash: Json) => typecheckValues(IMPORTS, dashboardChecks(dash));

describe('dashboard against Grafana\'s published schema types', () => {
  it('every panel, its options, field config and queries, and every variable conform', () => {
    const problems = problemsOf(buildDashboard());
    expect(problems.map((p) => `${p.name}: ${p.message}`).join('\n')).toBe('');
  }, 60_000);

  it('a non-conforming panel or variable fails, and is named', () => {
    const dash = buildDashboard() as Json;
    const ts = dash.panels.find((p: Json) => p.type === 'timeseries');
    const stat = dash.panels.find((p: Json) => p.type === 'stat');
    ts.options.legend.placment = 'bottom'; // misspelt field in a panel's options
    stat.gridPos.w = '6'; // wrong type
    ts.targets[0].legendFromat = '{{stage}}'; // misspelt field in a Prometheus query
    dash.templating.list[0].refresh = 7; // not a VariableRefresh value
    dash.templating.list[1].sort = 'alphabetical'; // a string where the enum is numeric
    const problems = problemsOf(dash);
    const named = (part: string) => problems.filter((p) => p.name === part).map((p) => p.message).join('\n');
    expect(named(`timeseries panel "${ts.title}" options`)).toMatch(/placment/);
    expect(named(`stat panel "${stat.title}"`)).toMatch(/not assignable to type 'number'/);
    expect(named(`timeseries panel "${ts.title}" query A`)).toMatch(/legendFromat/);
    expect(named('variable $stage')).toMatch(/refresh|not assignable/);
    expect(named('variable $scenario')).toMatch(/not assignable/);
  }, 60_000);
});
