/**
 * `npm run dashboard:snapshot`: pictures of the key dashboard panels from a real run, for docs/ops.md.
 *
 *   npm run dashboard:snapshot                         # run the dataflow once (personahub up --once) with a private
 *                                                      # Prometheus scraping it, then chart that run
 *   npm run dashboard:snapshot -- --prometheus http://127.0.0.1:19090 --last 15m   # chart an existing Prometheus
 *
 * The queries are the dashboard's own (deploy/grafana/dashboard.ts), with the template variables set to All and
 * `$__rate_interval` computed as Grafana does. Charts are SVG, converted to PNG with rsvg-convert (librsvg2-bin).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROWS, type Panel } from '../../deploy/grafana/dashboard.js';
import { substituteForPrometheus } from '../../test/ops/panel-queries.js';
import { PrometheusProcess, freePort } from './prometheus-process.js';
import { runDataflowOnce } from './dataflow-run.js';
import { renderChart, renderGrid, type ChartSeries } from './svg-chart.js';

/** The panels shown in the README, in order. */
export const SNAPSHOT_PANELS = [
  'Records out per topic',
  'Consumer lag per group',
  'Processing latency p50 / p99',
  'LLM requests by outcome',
  'Tokens per scenario and model',
  'LLM retries and errors',
];

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const legend = (fmt: string, labels: Record<string, string>) => fmt.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => labels[k] ?? '');

/** Anything Prometheus-like that can answer a range query (the private process or a URL). */
interface RangeSource {
  queryRange: PrometheusProcess['queryRange'];
}

export async function chartPanel(src: RangeSource, panel: Panel, start: number, end: number, scrapeSeconds: number): Promise<string> {
  const step = Math.max(1, Math.round((end - start) / 240));
  const rateInterval = `${Math.max(4 * scrapeSeconds, step + scrapeSeconds)}s`;
  const series: ChartSeries[] = [];
  for (const t of panel.targets) {
    const expr = substituteForPrometheus(t.expr, { stage: [], scenario: [] }, rateInterval);
    for (const s of await src.queryRange(expr, start, end, step)) {
      series.push({ name: legend(t.legend, s.metric), points: s.values.map(([ts, v]) => [ts, Number(v)]) });
    }
  }
  // Busiest series first, so the legend (12 entries at most) names the ones that shape the picture.
  const peak = (c: ChartSeries) => Math.max(0, ...c.points.map(([, v]) => (Number.isFinite(v) ? v : 0)));
  series.sort((a, b) => peak(b) - peak(a) || a.name.localeCompare(b.name));
  if (series.length === 0) throw new Error(`panel "${panel.title}" has no data between ${start} and ${end}`);
  return renderChart(series, { title: panel.title, unit: panel.unit });
}

async function remoteSource(url: string): Promise<RangeSource> {
  return {
    async queryRange(expr, start, end, step) {
      const body = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: String(step) });
      const res = await fetch(`${url}/api/v1/query_range`, { method: 'POST', body });
      const json = (await res.json()) as { status: string; data: { result: Awaited<ReturnType<PrometheusProcess['queryRange']>> }; error?: string };
      if (json.status !== 'success') throw new Error(`${expr}: ${json.error}`);
      return json.data.result;
    },
  };
}

function toPng(svgFile: string, pngFile: string): void {
  execFileSync('rsvg-convert', ['-o', pngFile, svgFile]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      prometheus: { type: 'string' },
      last: { type: 'string', default: '15m' },
      out: { type: 'string', default: 'docs/img' },
      'scrape-interval': { type: 'string', default: '1' },
      documents: { type: 'string' },
      'max-documents': { type: 'string', default: '16' },
    },
  });
  const outDir = values.out!;
  mkdirSync(outDir, { recursive: true });
  let src: RangeSource;
  let start: number;
  let end: number;
  let scrape = Number(values['scrape-interval']);
  let prom: PrometheusProcess | undefined;
  try {
    if (values.prometheus) {
      const m = /^(\d+)([smh])$/.exec(values.last!);
      if (!m) throw new Error('--last: e.g. 15m');
      end = Date.now() / 1000;
      start = end - Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
      src = await remoteSource(values.prometheus);
      scrape = Math.max(scrape, 5);
    } else {
      const port = await freePort();
      prom = await PrometheusProcess.start({ targets: [`127.0.0.1:${port}`], scrapeIntervalSeconds: scrape });
      const run = await runDataflowOnce({ httpPort: port, documents: values.documents, maxDocuments: Number(values['max-documents']), log: (l) => process.stderr.write(`${l}\n`) });
      // One more scrape after the last sample would only add the stale marker; the run's span is what we chart.
      start = run.startedAt / 1000;
      end = run.endedAt / 1000;
      src = prom;
    }
    const charts: string[] = [];
    for (const title of SNAPSHOT_PANELS) {
      const panel = ROWS.flatMap((r) => r.panels).find((p) => p.title === title);
      if (!panel) throw new Error(`no panel "${title}" in deploy/grafana/dashboard.ts`);
      const svg = await chartPanel(src, panel, start, end, scrape);
      charts.push(svg);
      const base = join(outDir, `dashboard-${slug(title)}`);
      writeFileSync(`${base}.svg`, svg);
      toPng(`${base}.svg`, `${base}.png`);
      process.stdout.write(`wrote ${base}.png\n`);
    }
    const grid = join(outDir, 'dashboard-overview');
    writeFileSync(`${grid}.svg`, renderGrid(charts, 2));
    toPng(`${grid}.svg`, `${grid}.png`);
    process.stdout.write(`wrote ${grid}.png\n`);
  } finally {
    await prom?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    process.stderr.write(`dashboard:snapshot: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
