import { DLQ_HEADERS, REPLAY_HEADERS } from '../contracts/dlq.js';
import { ERROR_CODES, ERROR_KINDS, type ErrorCode, type ErrorKind } from '../errors.js';
import type { ConsumedRecord } from '../kafka/message.js';

/** Where a record sat in a topic. */
export interface Position {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * What the headers of one record in a dead-letter topic say about it. Built only from the headers the runtime writes
 * (DLQ_HEADERS) and the ones `dlq replay` adds (REPLAY_HEADERS); the value is never looked at.
 */
export interface DeadLetter {
  kind: ErrorKind;
  code: ErrorCode;
  stage: string;
  /** When it was dead-lettered (the record's timestamp), ms since the epoch. */
  at: number;
  /** Times the record has been replayed before this dead letter (0: it never was). */
  replays: number;
  /** The replay that re-injected the record whose failure this dead letter is, if any. */
  replayId?: string;
  /** The dead letter that replay re-injected: this one supersedes it. */
  replayedFrom?: Position;
  /** Where the record was first consumed (before any replay). */
  origin?: Position;
  /** When the record first failed (before any replay). */
  firstFailureAt?: string;
}

const KINDS: ReadonlySet<string> = new Set(ERROR_KINDS);
const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** The dead letter's view, or a reason why this record is not one personahub wrote. */
export function readDeadLetter(r: ConsumedRecord): DeadLetter | { invalid: string } {
  const h = r.headers;
  const kind = h[DLQ_HEADERS.kind];
  const code = h[DLQ_HEADERS.code];
  const stage = h[DLQ_HEADERS.stage];
  if (kind === undefined || !KINDS.has(kind)) return { invalid: `header ${DLQ_HEADERS.kind} missing or unknown: ${String(kind)}` };
  if (code === undefined || !CODES.has(code)) return { invalid: `header ${DLQ_HEADERS.code} missing or unknown: ${String(code)}` };
  if (stage === undefined || stage === '') return { invalid: `header ${DLQ_HEADERS.stage} missing` };
  const replays = h[REPLAY_HEADERS.attempt] === undefined ? 0 : count(h[REPLAY_HEADERS.attempt]);
  if (replays === undefined) return { invalid: `header ${REPLAY_HEADERS.attempt} is not a count: ${h[REPLAY_HEADERS.attempt]}` };
  const d: DeadLetter = { kind: kind as ErrorKind, code: code as ErrorCode, stage, at: r.timestamp, replays };
  if (h[REPLAY_HEADERS.id] !== undefined) d.replayId = h[REPLAY_HEADERS.id];
  const from = position(h, REPLAY_HEADERS.dlqTopic, REPLAY_HEADERS.dlqPartition, REPLAY_HEADERS.dlqOffset);
  if (from) d.replayedFrom = from;
  const origin =
    position(h, REPLAY_HEADERS.originTopic, REPLAY_HEADERS.originPartition, REPLAY_HEADERS.originOffset) ??
    position(h, DLQ_HEADERS.sourceTopic, DLQ_HEADERS.sourcePartition, DLQ_HEADERS.sourceOffset);
  if (origin) d.origin = origin;
  const first = h[REPLAY_HEADERS.firstFailureAt] ?? h[DLQ_HEADERS.firstFailureAt];
  if (first !== undefined) d.firstFailureAt = first;
  return d;
}

export const isDeadLetter = (d: DeadLetter | { invalid: string }): d is DeadLetter => !('invalid' in d);

/** `partition:offset`, the key of a dead letter within its topic. */
export const positionKey = (partition: number, offset: number): string => `${partition}:${offset}`;

function count(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d{1,9}$/.test(v)) return undefined;
  return Number(v);
}

function position(h: Record<string, string>, topic: string, partition: string, offset: string): Position | undefined {
  const t = h[topic];
  const p = count(h[partition]);
  const o = h[offset] !== undefined && /^\d{1,19}$/.test(h[offset]!) ? Number(h[offset]) : undefined;
  return t !== undefined && p !== undefined && o !== undefined ? { topic: t, partition: p, offset: o } : undefined;
}
