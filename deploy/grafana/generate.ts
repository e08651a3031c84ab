/**
 * Writes deploy/grafana/dashboards/personahub.json from deploy/grafana/dashboard.ts.
 * Run with `npm run dashboard:gen` after changing a panel; test/ops/dashboard.test.ts fails if the JSON is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildDashboard } from './dashboard.js';

export const DASHBOARD_JSON = fileURLToPath(new URL('./dashboards/personahub.json', import.meta.url));

export function renderDashboardJson(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(DASHBOARD_JSON, renderDashboardJson());
  process.stdout.write(`wrote ${DASHBOARD_JSON}\n`);
}
