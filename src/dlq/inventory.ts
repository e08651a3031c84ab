import type { ConsumedRecord } from '../kafka/message.js';
import { isDeadLetter, readDeadLetter } from './dead-letter.js';
import type { ReplayTarget } from './target.js';

/** Dead letters of one topic with the same kind and code. */
export interface InventoryGroup {
  kind: string;
  code: string;
  count: number;
  /** Of those, dead letters of records that had been replayed (and failed again). */
  afterReplay: number;
  /** Dead-letter times (record timestamps), ISO-8601 UTC. */
  oldest: string;
  newest: string;
}

export interface TopicInventory {
  topic: string;
  stage: string;
  input: string;
  /** False when the topic is not on the cluster (`personahub topics apply` creates it). */
  exists: boolean;
  total: number;
  groups: InventoryGroup[];
}

/** Records that are not personahub dead letters are listed under this kind, with the reason as the code. */
const NOT_A_DEAD_LETTER = { kind: '-', code: 'not_a_dead_letter' } as const;

/** Collects one topic's records into counts by kind and code (`personahub dlq list`). */
export class InventoryBuilder {
  private readonly groups = new Map<string, InventoryGroup & { oldestMs: number; newestMs: number }>();
  private total = 0;

  constructor(private readonly target: ReplayTarget) {}

  add(r: ConsumedRecord): void {
    const d = readDeadLetter(r);
    const { kind, code } = isDeadLetter(d) ? d : NOT_A_DEAD_LETTER;
    const key = `${kind}/${code}`;
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { kind, code, count: 0, afterReplay: 0, oldest: '', newest: '', oldestMs: Infinity, newestMs: -Infinity }));
    g.count++;
    if (isDeadLetter(d) && d.replays > 0) g.afterReplay++;
    g.oldestMs = Math.min(g.oldestMs, r.timestamp);
    g.newestMs = Math.max(g.newestMs, r.timestamp);
    this.total++;
  }

  build(exists: boolean): TopicInventory {
    const groups = [...this.groups.values()]
      .map(({ oldestMs, newestMs, ...g }) => ({ ...g, oldest: new Date(oldestMs).toISOString(), newest: new Date(newestMs).toISOString() }))
      .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind) || a.code.localeCompare(b.code));
    return { topic: this.target.dlqTopic, stage: this.target.stage, input: this.target.input, exists, total: this.total, groups };
  }
}

/** The table `personahub dlq list` prints: one line per topic and kind/code, empty and missing topics included. */
export function formatInventory(topics: readonly TopicInventory[], prefix: string): string {
  const rows: string[][] = [['topic', 'stage', 'kind', 'code', 'count', 'after replay', 'oldest', 'newest']];
  for (const t of topics) {
    const name = t.topic.slice(prefix.length);
    if (!t.exists) rows.push([name, t.stage, '', '(missing)', '', '', '', '']);
    else if (t.groups.length === 0) rows.push([name, t.stage, '', '(empty)', '0', '', '', '']);
    else for (const g of t.groups) rows.push([name, t.stage, g.kind, g.code, String(g.count), String(g.afterReplay), g.oldest, g.newest]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const numeric = new Set([4, 5]);
  const line = (r: string[]) => r.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const total = topics.reduce((n, t) => n + t.total, 0);
  const withRecords = topics.filter((t) => t.total > 0).length;
  const head = `dead-letter topics${prefix ? ` (prefix "${prefix}", not shown in names)` : ''}: ${topics.length}, ${withRecords} with records, ${total} dead letters`;
  const missing = topics.some((t) => !t.exists) ? '(missing: not on the cluster; `personahub topics apply` creates them)\n' : '';
  return `${head}\n${rows.map(line).join('\n')}\n${missing}`;
}
