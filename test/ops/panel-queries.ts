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
