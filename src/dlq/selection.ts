import { createHash } from 'node:crypto';
import { canonicalTime } from '../contracts/input-checks.js';
import { ERROR_CODES, ERROR_KINDS, type ErrorCode, type ErrorKind } from '../errors.js';
import type { DeadLetter } from './dead-letter.js';
import { DlqUsageError } from './errors.js';

/**
 * Which dead letters of one topic a replay is about. Empty `kinds` / `codes` mean any; `since` is inclusive and
 * `until` exclusive, compared with the time each record was dead-lettered (its Kafka timestamp). Times are absolute
 * (ISO-8601 with a zone, or a date = UTC midnight): a relative time ("2h ago") would make the same command select
 * something else, and derive another replay id, each time it runs.
 */
export interface Selection {
  dlqTopic: string;
  kinds: ErrorKind[];
  codes: ErrorCode[];
  /** Canonical UTC ISO-8601. */
  since?: string;
  until?: string;
  /** A record already replayed this many times is skipped (reason max_attempts). */
  maxAttempts: number;
}

export interface SelectionInput {
  dlqTopic: string;
  kinds?: readonly string[];
  codes?: readonly string[];
  since?: string;
  until?: string;
  maxAttempts: number;
}

/** Validate and normalise what the operator typed; every problem is a DlqUsageError naming the accepted values. */
export function parseSelection(i: SelectionInput): Selection {
  const kinds = closedSet('--kind', i.kinds ?? [], ERROR_KINDS);
  const codes = closedSet('--code', i.codes ?? [], ERROR_CODES);
  const s: Selection = { dlqTopic: i.dlqTopic, kinds, codes, maxAttempts: i.maxAttempts };
  if (!Number.isInteger(i.maxAttempts) || i.maxAttempts < 1) throw new DlqUsageError(`--max-attempts must be a positive integer, not ${i.maxAttempts}`);
  if (i.since !== undefined) s.since = time('--since', i.since);
  if (i.until !== undefined) s.until = time('--until', i.until);
  if (s.since !== undefined && s.until !== undefined && s.since >= s.until) throw new DlqUsageError(`--since ${s.since} is not before --until ${s.until}: the selection is empty`);
  return s;
}

/** Does this dead letter fall within the selection (kind, code, time)? Replay limits are judged elsewhere. */
export function selects(s: Selection, d: DeadLetter): boolean {
  if (s.kinds.length > 0 && !s.kinds.includes(d.kind)) return false;
  if (s.codes.length > 0 && !s.codes.includes(d.code)) return false;
  if (s.since !== undefined && d.at < Date.parse(s.since)) return false;
  if (s.until !== undefined && d.at >= Date.parse(s.until)) return false;
  return true;
}

/**
 * The replay id: the name under which a replay keeps its progress (consumer group
 * `personahub.dlq-replay.<dlq topic>.<id>`, transactional id the same + `.tx`) and which every record it re-injects
 * carries. By default it is derived from everything that decides what gets replayed — the topic, kinds, codes,
 * since, until and the attempt limit — so running the same command twice replays nothing the second time, and an
 * interrupted run resumes where it stopped. `--replay-id` names one instead (e.g. a ticket); reusing a name with a
 * different selection continues after that name's progress, so give a new selection a new name.
 */
export function replayIdFor(s: Selection): string {
  const canonical = JSON.stringify([s.dlqTopic, s.kinds, s.codes, s.since ?? null, s.until ?? null, s.maxAttempts]);
  return `sel-${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

const REPLAY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A replay id given with --replay-id: it becomes part of a group and a transactional id, so a safe charset. */
export function checkReplayId(id: string): string {
  if (!REPLAY_ID.test(id)) throw new DlqUsageError(`--replay-id ${JSON.stringify(id)}: use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  return id;
}

/** The consumer group that holds a replay's progress (and, + `.tx`, its transactional id). */
export const replayGroupId = (dlqTopic: string, replayId: string): string => `personahub.dlq-replay.${dlqTopic}.${replayId}`;

function closedSet<T extends string>(option: string, given: readonly string[], allowed: readonly T[]): T[] {
  const bad = given.filter((g) => !(allowed as readonly string[]).includes(g));
  if (bad.length > 0) throw new DlqUsageError(`${option} ${bad.join(', ')}: not one of ${allowed.join(', ')}`);
  return [...new Set(given as T[])].sort();
}

function time(option: string, v: string): string {
  const t = canonicalTime(v);
  if (t === undefined) throw new DlqUsageError(`${option} ${JSON.stringify(v)}: give an absolute time with a zone, e.g. 2026-11-25T10:00:00Z or 2026-11-25 (UTC midnight)`);
  return t;
}
