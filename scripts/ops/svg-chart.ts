/**
 * A small, dependency-free SVG line chart for Prometheus range data, styled like a Grafana time-series panel
 * (dark background, grid, legend). Used by `npm run dashboard:snapshot` to put pictures of the dashboard in docs.
 */

export interface ChartSeries {
  name: string;
  points: Array<[t: number, v: number]>;
}

export interface ChartOptions {
  title: string;
  unit: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#73bf69', '#f2cc0c', '#5794f2', '#ff780a', '#b877d9', '#f2495c', '#8ab8ff', '#96d98d', '#fade2a', '#ffb357'];
const BG = '#181b1f';
const GRID = '#2c3235';
const TEXT = '#ccccdc';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Round a step up to 1, 2 or 5 × 10^k so axis labels are readable. */
function niceStep(range: number, ticks: number): number {
  const raw = range / Math.max(1, ticks);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

export function formatValue(v: number, unit: string): string {
  const abs = Math.abs(v);
  const short = (x: number) => {
    if (abs >= 1e6) return `${+(x / 1e6).toPrecision(3)}M`;
    if (abs >= 1e3) return `${+(x / 1e3).toPrecision(3)}k`;
    return `${+x.toPrecision(3)}`;
  };
  switch (unit) {
    case 's':
      return abs === 0 ? '0' : abs < 1 ? `${+(v * 1000).toPrecision(3)} ms` : `${+v.toPrecision(3)} s`;
    case 'reqps':
      return `${short(v)}/s`;
    case 'ops':
      return `${short(v)} ops/s`;
    case 'currencyUSD':
      return `$${abs < 0.01 && abs > 0 ? v.toExponential(1) : +v.toPrecision(3)}`;
    case 'percentunit':
      return `${+(v * 100).toPrecision(3)}%`;
    default:
      return short(v);
  }
}

const clock = (t: number) => new Date(t * 1000).toISOString().slice(11, 19);

export function renderChart(series: ChartSeries[], opts: ChartOptions): string {
  const W = opts.width ?? 760;
  const legendRows = Math.ceil(Math.min(series.length, 12) / 2);
  const H = (opts.height ?? 300) + legendRows * 16;
  const m = { left: 70, right: 40, top: 34, bottom: 28 + legendRows * 16 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;

  const all = series.flatMap((s) => s.points).filter(([, v]) => Number.isFinite(v));
  const t0 = Math.min(...all.map(([t]) => t));
  const t1 = Math.max(...all.map(([t]) => t));
  const vmax = Math.max(0, ...all.map(([, v]) => v));
  const vmin = Math.min(0, ...all.map(([, v]) => v));
  const step = niceStep(vmax - vmin || 1, 5);
  const top = Math.ceil(vmax / step) * step || step;
  const bottom = Math.floor(vmin / step) * step;
  const x = (t: number) => m.left + (t1 === t0 ? pw / 2 : ((t - t0) / (t1 - t0)) * pw);
  const y = (v: number) => m.top + ph - ((v - bottom) / (top - bottom)) * ph;

  const parts: string[] = [];
  parts.push(`<rect width="${W}" height="${H}" fill="${BG}" rx="4"/>`);
  parts.push(`<text x="12" y="21" fill="${TEXT}" font-size="14" font-weight="600">${esc(opts.title)}</text>`);
  for (let v = bottom; v <= top + step / 2; v += step) {
    parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y(v)}" y2="${y(v)}" stroke="${GRID}"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y(v) + 4}" fill="${TEXT}" font-size="11" text-anchor="end">${esc(formatValue(v, opts.unit))}</text>`);
  }
  const xticks = 6;
  for (let i = 0; i <= xticks; i++) {
    const t = t0 + ((t1 - t0) * i) / xticks;
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${m.top}" y2="${m.top + ph}" stroke="${GRID}"/>`);
    parts.push(`<text x="${x(t)}" y="${m.top + ph + 16}" fill="${TEXT}" font-size="11" text-anchor="middle">${clock(t)}</text>`);
  }
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    // Break the line where Prometheus had no sample (NaN), like Grafana does.
    const segments: string[][] = [[]];
    for (const [t, v] of s.points) {
      if (Number.isFinite(v)) segments[segments.length - 1]!.push(`${x(t).toFixed(1)},${y(v).toFixed(1)}`);
      else if (segments[segments.length - 1]!.length) segments.push([]);
    }
    for (const seg of segments.filter((g) => g.length)) {
      if (seg.length === 1) parts.push(`<circle cx="${seg[0]!.split(',')[0]}" cy="${seg[0]!.split(',')[1]}" r="2" fill="${color}"/>`);
      else parts.push(`<polyline points="${seg.join(' ')}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
    }
  });
  series.slice(0, 12).forEach((s, i) => {
    const lx = m.left + (i % 2) * (pw / 2);
    const ly = m.top + ph + 34 + Math.floor(i / 2) * 16;
    const last = [...s.points].reverse().find(([, v]) => Number.isFinite(v));
    parts.push(`<rect x="${lx}" y="${ly - 8}" width="12" height="3" fill="${PALETTE[i % PALETTE.length]}"/>`);
    const label = `${s.name}${last ? `  (last ${formatValue(last[1], opts.unit)})` : ''}`;
    parts.push(`<text x="${lx + 18}" y="${ly - 3}" fill="${TEXT}" font-size="11">${esc(label.length > 54 ? `${label.slice(0, 52)}…` : label)}</text>`);
  });
  if (series.length > 12) parts.push(`<text x="${W - m.right}" y="${H - 6}" fill="${TEXT}" font-size="10" text-anchor="end">+${series.length - 12} more series</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">${parts.join('')}</svg>`;
}

/** Several charts in a grid, one SVG. */
export function renderGrid(charts: string[], columns: number): string {
  const sizes = charts.map((c) => {
    const w = Number(/width="(\d+)"/.exec(c)?.[1] ?? 0);
    const h = Number(/height="(\d+)"/.exec(c)?.[1] ?? 0);
    return { w, h };
  });
  const gap = 10;
  const colW = Math.max(...sizes.map((s) => s.w));
  const rows: number[] = [];
  sizes.forEach((s, i) => {
    const r = Math.floor(i / columns);
    rows[r] = Math.max(rows[r] ?? 0, s.h);
  });
  const W = columns * colW + (columns + 1) * gap;
  const H = rows.reduce((a, b) => a + b, 0) + (rows.length + 1) * gap;
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="#111217"/>`;
  charts.forEach((c, i) => {
    const r = Math.floor(i / columns);
    const yOff = gap + rows.slice(0, r).reduce((a, b) => a + b + gap, 0);
    const xOff = gap + (i % columns) * (colW + gap);
    out += c.replace('<svg ', `<svg x="${xOff}" y="${yOff}" `);
  });
  return `${out}</svg>`;
}
