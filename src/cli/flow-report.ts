import { SCENARIOS } from '../contracts/scenarios.js';
import type { IngestSummary } from '../ingest/types.js';
import { DATAFLOW_TOPICS, synthTopic, VERIFIED_MATH_TOPIC } from '../stages/topics.js';
import type { FlowSnapshot } from './flow-snapshot.js';

/**
 * What `up` prints: a compact progress line (stderr) and the final summary (stdout; `--json`: one JSON object),
 * from a FlowSnapshot. Per topic it shows what this run's stages and ingest wrote *and* what the stages consumed,
 * so records written by other producers (a crawler on web.documents) are visible too.
 */

export const REPORT_TOPICS = [
  DATAFLOW_TOPICS.documents,
  DATAFLOW_TOPICS.uniqueDocuments,
  DATAFLOW_TOPICS.candidates,
  DATAFLOW_TOPICS.unique,
  ...SCENARIOS.map(synthTopic),
  VERIFIED_MATH_TOPIC,
];

const short = (t: string) => t.replace(/^personas\./, 'p.').replace(/^web\.documents/, 'docs').replace(/^synth\./, '');

/** Records written to a topic in this run: what stages committed to it, plus what ingest produced for web.documents. */
export function topicCount(s: FlowSnapshot, topic: string, ingested: number): number {
  return (s.topics[topic] ?? 0) + (topic === DATAFLOW_TOPICS.documents ? ingested : 0);
}

/** Records of a topic consumed by this run's stages (the furthest consumer group), whoever wrote them. */
export const consumedCount = (s: FlowSnapshot, topic: string): number => s.consumed[topic] ?? 0;

export function progressLine(s: FlowSnapshot, ingested: number, elapsedMs: number): string {
  const docs = DATAFLOW_TOPICS.documents;
  const counts = REPORT_TOPICS.map((t) =>
    t === docs ? `${short(t)}=${consumedCount(s, t)}/${Math.max(topicCount(s, t, ingested), consumedCount(s, t))}` : `${short(t)}=${topicCount(s, t, ingested)}`,
  ).join(' ');
  const inFlight = Object.values(s.stages).reduce((n, c) => n + c.inFlight, 0);
  const dlq = Object.values(s.stages).reduce((n, c) => n + c.deadLettered, 0);
  return `[${(elapsedMs / 1000).toFixed(0).padStart(4)}s] ${counts} | in-flight=${inFlight} dlq=${dlq}`;
}

export interface SummaryContext {
  ingest: IngestSummary | undefined;
  prefix: string;
  llmLabel: string;
  elapsedMs: number;
  drained: boolean;
}

const reasons = (m: Record<string, number>) =>
  Object.entries(m)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, n]) => `${r}=${n}`)
    .join(' ');

/** The commands to look at a run's results: one per line, so neither reads as a shell pipe. */
export function nextSteps(prefix: string): string[] {
  const p = prefix ? ` --prefix ${prefix}` : '';
  return [
    `  personahub tail synth.math${p} --from-beginning -n 2`,
    `  personahub export --topic synth.tool${p} --format jsonl > tool.jsonl`,
  ];
}

export function formatSummary(s: FlowSnapshot, c: SummaryContext): string {
  const ingested = c.ingest?.produced ?? 0;
  const lines: string[] = [];
  lines.push(`personahub summary: ${c.drained ? 'drained' : 'stopped before draining'} after ${(c.elapsedMs / 1000).toFixed(1)}s` +
    `${c.prefix ? `, topic prefix "${c.prefix}"` : ''}`);
  lines.push(`LLM: ${c.llmLabel}`);
  if (c.ingest) {
    const skipped = Object.entries(c.ingest.skipped).filter(([, n]) => n > 0).map(([r, n]) => `${r}=${n}`);
    lines.push(`ingest: read ${c.ingest.read}, produced ${c.ingest.produced}, skipped ${skipped.length ? skipped.join(' ') : '0'}`);
  }
  lines.push('', `records per topic${c.prefix ? ` (each name prefixed with "${c.prefix}")` : ''}: written by this run, and consumed by its stages (whoever wrote them)`);
  lines.push(`  ${'topic'.padEnd(24)} ${'written'.padStart(7)} ${'consumed'.padStart(9)}`);
  for (const t of REPORT_TOPICS) {
    lines.push(`  ${t.padEnd(24)} ${String(topicCount(s, t, ingested)).padStart(7)} ${String(consumedCount(s, t)).padStart(9)}`);
  }
  const outside = consumedCount(s, DATAFLOW_TOPICS.documents) - topicCount(s, DATAFLOW_TOPICS.documents, ingested);
  if (outside > 0) lines.push(`  (${outside} of the web.documents consumed were written by other producers, or before this run)`);
  lines.push('', `  ${'stage'.padEnd(24)} ${'in'.padStart(7)} ${'out'.padStart(7)} ${'filtered'.padStart(9)} ${'dead-lettered'.padStart(14)}  filtered by reason`);
  for (const [name, st] of Object.entries(s.stages).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${name.padEnd(24)} ${String(st.in).padStart(7)} ${String(st.out).padStart(7)} ${String(st.filtered).padStart(9)} ${String(st.deadLettered).padStart(14)}  ${reasons(st.filteredBy)}`.trimEnd());
  }
  lines.push('', `filtered: ${reasons(s.filteredByReason) || '0'}`);
  const dlq = reasons(s.deadLetteredByCode);
  lines.push(`dead-lettered: ${dlq || '0'}${dlq ? `  (see: personahub tail <input>.dlq.<stage> --from-beginning)` : ''}`);
  const noPrice = s.costUsd === 0 && s.tokens.input + s.tokens.output > 0 ? ' (no price configured for this model: llm.prices)' : '';
  lines.push(`LLM usage: ${s.llmRequests} requests, ${s.tokens.input} input + ${s.tokens.output} output tokens, estimated cost $${s.costUsd.toFixed(4)}${noPrice}`);
  if (Object.keys(s.cache).length > 0) lines.push(`LLM cache: ${s.cache.hit ?? 0} hits (not paid again), ${s.cache.miss ?? 0} misses${s.cache.invalid ? `, ${s.cache.invalid} invalid entries replaced` : ''}`);
  const uniqueDocs = s.topics[DATAFLOW_TOPICS.uniqueDocuments] ?? 0;
  if (ingested > 0 && uniqueDocs === 0) {
    lines.push('', 'note: no document passed the page filter: these topics had seen every one of them before. ' +
      'Run with --fresh (new topics) to watch them flow again.');
  }
  lines.push('', 'look at the results:', ...nextSteps(c.prefix));
  if (c.prefix) lines.push(`clean up this run's topics later: personahub topics delete --prefix ${c.prefix} --yes`);
  return lines.join('\n');
}

/** The summary as one JSON object (`up --json`): the same figures as the text, machine-readable. */
export function summaryJson(s: FlowSnapshot, c: SummaryContext) {
  const ingested = c.ingest?.produced ?? 0;
  return {
    drained: c.drained,
    elapsedSeconds: Math.round(c.elapsedMs / 100) / 10,
    prefix: c.prefix,
    llm: c.llmLabel,
    ingest: c.ingest ?? null,
    topics: Object.fromEntries(REPORT_TOPICS.map((t) => [t, { written: topicCount(s, t, ingested), consumed: consumedCount(s, t) }])),
    stages: Object.fromEntries(
      Object.entries(s.stages)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, st]) => [name, { in: st.in, out: st.out, filtered: st.filtered, filteredBy: st.filteredBy, deadLettered: st.deadLettered }]),
    ),
    filteredByReason: s.filteredByReason,
    deadLetteredByCode: Object.fromEntries(Object.entries(s.deadLetteredByCode).filter(([, n]) => n > 0)),
    llmUsage: { requests: s.llmRequests, inputTokens: s.tokens.input, outputTokens: s.tokens.output, costUsd: s.costUsd },
    llmCache: { hits: s.cache.hit ?? 0, misses: s.cache.miss ?? 0, invalid: s.cache.invalid ?? 0 },
  };
}
