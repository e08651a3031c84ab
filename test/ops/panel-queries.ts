import { VARIABLES, allTargets } from '../../deploy/grafana/dashboard.js';
import type { PrometheusProcess } from '../../scripts/ops/prometheus-process.js';

/** Turns a Grafana panel query into the PromQL Grafana would send, for tests and the chart script. */

/** Grafana's regex escaping of one multi-value item, then the `(a|b)` form of a multi-value selection. */
function escapeRegex(v: string): string {
  return v.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&');
}

export function substituteForPrometheus(
  expr: string,
  values: Record<string, string[]>,
  rateInterval: string,
): string {
  let out = expr.replaceAll('$__rate_interval', rateInterval);
  for (const [name, vals] of Object.entries(values)) {
    const regex = vals.length === 0 ? '.*' : vals.length === 1 ? escapeRegex(vals[0]!) : `(${vals.map(escapeRegex).join('|')})`;
    out = out.replaceAll(`$${name}`, regex);
  }
  return out;
}

export interface PanelResult {
  panel: string;
  expr: string;
  series: number;
  /** The value of each returned series. */
  values: number[];
}

/** Values of each template variable, as Grafana's label_values() would list them from Prometheus. */
export async function variableValues(prom: PrometheusProcess): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const v of VARIABLES) out[v.name] = (await prom.labelValues(v.labelName, v.metric)).filter((x) => x !== '');
  return out;
}

/** Every panel query with variables substituted by the given values, evaluated at `time` (unix seconds). */
export async function evaluatePanels(
  prom: PrometheusProcess,
  values: Record<string, string[]>,
  time: number,
  rateInterval = '1m',
): Promise<PanelResult[]> {
  const results: PanelResult[] = [];
  for (const { panel, target } of allTargets()) {
    const expr = substituteForPrometheus(target.expr, values, rateInterval);
    const samples = await prom.query(expr, time);
    results.push({ panel, expr, series: samples.length, values: samples.map((x) => Number(x.value[1])) });
  }
  return results;
}
