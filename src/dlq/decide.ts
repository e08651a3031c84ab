import type { ErrorCode } from '../errors.js';
import type { ConsumedRecord } from '../kafka/message.js';
import { isDeadLetter, positionKey, readDeadLetter, type DeadLetter } from './dead-letter.js';
import { selects, type Selection } from './selection.js';

/**
 * Why a selected dead letter is not replayed. Each is counted and printed by `dlq replay`; add reasons here only.
 *   not_a_dead_letter    the record lacks personahub's dead-letter headers (written by something else)
 *   other_stage          its stage header names another stage than the one this topic belongs to
 *   superseded           it was replayed before and failed again: a later dead letter in this topic stands for it
 *   replayed_by_this_id  it is the failure of a record this very replay id re-injected (at most once per replay id)
 *   max_attempts         its record has been replayed `maxAttempts` times already
 */
export const SKIP_REASONS = ['not_a_dead_letter', 'other_stage', 'superseded', 'replayed_by_this_id', 'max_attempts'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export type Decision =
  | { action: 'replay'; dead: DeadLetter; code: ErrorCode; attempt: number }
  | { action: 'skip'; reason: SkipReason; code?: ErrorCode }
  | { action: 'outside' };

export interface DecideContext {
  selection: Selection;
  replayId: string;
  /** The stage the topic belongs to. */
  stage: string;
  /** `partition:offset` of every dead letter in the topic that a later dead letter supersedes (see supersededKey). */
  superseded: ReadonlySet<string>;
}

/**
 * What a replay does with one record of the dead-letter topic. Pure: the same record and context always give the
 * same decision, so the plan printed first and the execution that follows agree.
 */
export function decide(r: ConsumedRecord, c: DecideContext): Decision {
  const dead = readDeadLetter(r);
  if (!isDeadLetter(dead)) return { action: 'skip', reason: 'not_a_dead_letter' };
  if (dead.stage !== c.stage) return { action: 'skip', reason: 'other_stage', code: dead.code };
  if (!selects(c.selection, dead)) return { action: 'outside' };
  if (c.superseded.has(positionKey(r.partition, r.offset))) return { action: 'skip', reason: 'superseded', code: dead.code };
  if (dead.replayId === c.replayId) return { action: 'skip', reason: 'replayed_by_this_id', code: dead.code };
  if (dead.replays >= c.selection.maxAttempts) return { action: 'skip', reason: 'max_attempts', code: dead.code };
  return { action: 'replay', dead, code: dead.code, attempt: dead.replays + 1 };
}

/**
 * The dead letter (in `dlqTopic`) that this record supersedes, as `partition:offset`: a dead letter of a replayed
 * record names the dead letter it was replayed from. Supersession is judged over the whole range a replay reads
 * (the plan's read): the newer dead letter always comes later in the topic than the one it supersedes.
 */
export function supersededKey(r: ConsumedRecord, dlqTopic: string): string | undefined {
  const dead = readDeadLetter(r);
  if (!isDeadLetter(dead) || !dead.replayedFrom || dead.replayedFrom.topic !== dlqTopic) return undefined;
  return positionKey(dead.replayedFrom.partition, dead.replayedFrom.offset);
}
