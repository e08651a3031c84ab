import { positionKey } from './dead-letter.js';
import { decide, supersededKey, type Decision } from './decide.js';
import type { PartitionRange, ReplayPorts } from './ports.js';
import type { Selection } from './selection.js';
import type { ReplayTarget } from './target.js';
import { Tally, breakdown } from './tally.js';

/** What a replay will do, worked out before anything is written (and all a dry run does). */
export interface ReplayPlan {
  target: ReplayTarget;
  selection: Selection;
  replayId: string;
  /** True when the id was derived from the selection, false when given with --replay-id. */
  derivedId: boolean;
  groupId: string;
  /** Per partition: from the replay group's committed offset to the end offset when planned. */
  range: PartitionRange[];
  tally: Tally;
  /** Dead letters in the range that a later dead letter of the same record supersedes (`partition:offset`). */
  superseded: ReadonlySet<string>;
}

export type PlanInput = Omit<ReplayPlan, 'range' | 'tally' | 'superseded'>;

/**
 * Read the range once and decide every record. Supersession is only known once the later dead letter has been
 * read, so decisions of records that could be superseded are kept (one small entry each, values are never kept)
 * and re-counted at the end; the execution then decides with the complete superseded set and agrees with the plan.
 */
export async function planReplay(ports: Pick<ReplayPorts, 'read'>, p: PlanInput): Promise<ReplayPlan> {
  const tally = new Tally();
  const superseded = new Set<string>();
  const decided = new Map<string, Decision>();
  let range: PartitionRange[] = [];
  await ports.read({
    onRange: (r) => (range = [...r]),
    onRecord: (r) => {
      const d = decide(r, { selection: p.selection, replayId: p.replayId, stage: p.target.stage, superseded });
      tally.add(d);
      if (d.action !== 'outside') decided.set(positionKey(r.partition, r.offset), d);
      const older = supersededKey(r, p.target.dlqTopic);
      if (older !== undefined) superseded.add(older);
    },
  });
  for (const key of superseded) {
    const d = decided.get(key);
    if (d && !(d.action === 'skip' && (d.reason === 'superseded' || d.reason === 'not_a_dead_letter' || d.reason === 'other_stage'))) tally.reclassify(d, 'superseded');
  }
  return { ...p, range, tally, superseded };
}

/** The end offset of each partition in the plan: the execution reads exactly up to these. */
export const planEnds = (plan: ReplayPlan): Map<number, number> => new Map(plan.range.map((r) => [r.partition, r.end]));

/** The plan as `dlq replay` prints it (stdout), before anything is written. */
export function formatPlan(plan: ReplayPlan, dryRun: boolean): string {
  const s = plan.selection;
  const t = plan.tally;
  const toRead = plan.range.reduce((n, r) => n + (r.end - r.start), 0);
  const lines = [
    `dlq replay plan${dryRun ? ' (dry run: nothing is written)' : ''}`,
    `  from        ${plan.target.dlqTopic}  (dead letters of stage ${plan.target.stage})`,
    `  into        ${plan.target.inputTopic}`,
    `  selection   kind=${s.kinds.join(',') || 'any'} code=${s.codes.join(',') || 'any'} since=${s.since ?? '-'} until=${s.until ?? '-'} max-attempts=${s.maxAttempts}`,
    `  replay id   ${plan.replayId}${plan.derivedId ? '  (derived from the selection: the same command again replays nothing twice)' : '  (given)'}`,
    `  progress    group ${plan.groupId}: ${plan.range.map((r) => `p${r.partition} offsets ${r.start}..${r.end}`).join(', ') || 'empty topic'} (${toRead} offsets to read)`,
    `  to replay   ${t.replayed}  ${breakdown(t.replay)}`,
    `  skipped     ${t.skippedTotal}  ${breakdown(t.skippedInOrder())}`,
    `  outside     ${t.outside}  (not selected: other kind, code or time)`,
  ];
  return `${lines.join('\n')}\n`;
}
