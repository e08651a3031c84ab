import { SCENARIOS } from '../contracts/scenarios.js';
import type { IngestSummary } from '../ingest/types.js';
import { DATAFLOW_TOPICS, synthTopic } from '../stages/topics.js';
import type { FlowSnapshot } from './flow-snapshot.js';

/** What `up` prints: a compact progress line and the final summary, from a FlowSnapshot. */

export const REPORT_TOPICS = [
  DATAFLOW_TOPICS.documents,
  DATAFLOW_TOPICS.uniqueDocuments,
  DATAFLOW_TOPICS.candidates,
  DATAFLOW_TOPICS.unique,
  ...SCENARIOS.map(synthTopic),
];

const short = (t: string) => t.replace(/^personas\./, 'p.').replace(/^web\.documents/, 'docs').replace(/^synth\./, '');

/** Records on a topic in this run: what stages committed to it, or what ingest produced for web.documents. */
export function topicCount(s: FlowSnapshot, topic: string, ingested: number): number {
  return topic === DATAFLOW_TOPICS.documents ? ingested : (s.topics[topic] ?? 0);
}

export function progressLine(s: FlowSnapshot, ingested: number, elapsedMs: number): string {
  const counts = REPORT_TOPICS.map((t) => `${short(t)}=${topicCount(s, t, ingested)}`).join(' ');
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
  lines.push('', `records written this run, per topic${c.prefix ? ` (each name prefixed with "${c.prefix}")` : ''}:`);
  for (const t of REPORT_TOPICS) lines.push(`  ${t.padEnd(24)} ${String(topicCount(s, t, ingested)).padStart(7)}`);
  lines.push('', `  ${'stage'.padEnd(24)} ${'in'.padStart(7)} ${'out'.padStart(7)} ${'filtered'.padStart(9)} ${'dead-lettered'.padStart(14)}`);
  for (const [name, st] of Object.entries(s.stages).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${name.padEnd(24)} ${String(st.in).padStart(7)} ${String(st.out).padStart(7)} ${String(st.filtered).padStart(9)} ${String(st.deadLettered).padStart(14)}`);
  }
  const dlq = Object.entries(s.deadLetteredByCode).filter(([, n]) => n > 0);
  lines.push('', `dead-lettered: ${dlq.length ? dlq.map(([code, n]) => `${code}=${n}`).join(' ') : '0'}` +
    `${dlq.length ? `  (see: personahub tail <input>.dlq.<stage> --from-beginning)` : ''}`);
  const noPrice = s.costUsd === 0 && s.tokens.input + s.tokens.output > 0 ? ' (no price configured for this model: llm.prices)' : '';
  lines.push(`LLM usage: ${s.llmRequests} requests, ${s.tokens.input} input + ${s.tokens.output} output tokens, estimated cost $${s.costUsd.toFixed(4)}${noPrice}`);
  const uniqueDocs = s.topics[DATAFLOW_TOPICS.uniqueDocuments] ?? 0;
  if (ingested > 0 && uniqueDocs === 0) {
    lines.push('', 'note: no document passed the page filter: these topics had seen every one of them before. ' +
      'Run with --fresh (new topics) to watch them flow again.');
  }
  const p = c.prefix ? ` --prefix ${c.prefix}` : '';
  lines.push('', `look at the results: personahub tail synth.math${p} --from-beginning -n 2   |   ` +
    `personahub export --topic synth.tool${p} --format jsonl --out tool.jsonl`);
  if (c.prefix) lines.push(`clean up this run's topics later: personahub topics delete --prefix ${c.prefix} --yes`);
  return lines.join('\n');
}
