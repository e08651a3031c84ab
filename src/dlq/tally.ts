import type { ErrorCode } from '../errors.js';
import { SKIP_REASONS, type Decision, type SkipReason } from './decide.js';

/** Counts of what a replay does (or would do) with the records it reads: replayed by code, skipped by reason. */
export class Tally {
  readonly replay = new Map<ErrorCode, number>();
  readonly skipped = new Map<SkipReason, number>();
  /** Dead letters the selection does not cover (other kind, code or time). */
  outside = 0;

  /** Skip counts in the order of SKIP_REASONS (how plans and results print them). */
  skippedInOrder(): Map<string, number> {
    return new Map(SKIP_REASONS.filter((r) => this.skipped.has(r)).map((r) => [r, this.skipped.get(r)!]));
  }

  add(d: Decision): void {
    if (d.action === 'replay') bump(this.replay, d.code);
    else if (d.action === 'skip') bump(this.skipped, d.reason);
    else this.outside++;
  }

  /** Move one record counted as `from` to skipped `reason` (the plan learns of supersession after the fact). */
  reclassify(from: Decision, reason: SkipReason): void {
    if (from.action === 'replay') bump(this.replay, from.code, -1);
    else if (from.action === 'skip') bump(this.skipped, from.reason, -1);
    else this.outside--;
    bump(this.skipped, reason);
  }

  addAll(other: Tally): void {
    for (const [k, n] of other.replay) bump(this.replay, k, n);
    for (const [k, n] of other.skipped) bump(this.skipped, k, n);
    this.outside += other.outside;
  }

  get replayed(): number {
    return sum(this.replay);
  }

  get skippedTotal(): number {
    return sum(this.skipped);
  }

  get total(): number {
    return this.replayed + this.skippedTotal + this.outside;
  }

  toJSON(): { replay: Record<string, number>; skipped: Record<string, number>; outside: number } {
    return {
      replay: Object.fromEntries([...this.replay].sort(([a], [b]) => a.localeCompare(b))),
      skipped: Object.fromEntries(this.skippedInOrder()),
      outside: this.outside,
    };
  }
}

function bump<K>(m: Map<K, number>, k: K, by = 1): void {
  const n = (m.get(k) ?? 0) + by;
  if (n === 0) m.delete(k);
  else m.set(k, n);
}

const sum = (m: Map<unknown, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** `a=1 b=2`, or '-' when empty. */
export const breakdown = (m: Map<string, number>): string => (m.size === 0 ? '-' : [...m].map(([k, n]) => `${k}=${n}`).join(' '));
