import { DLQ_HEADERS, REPLAY_HEADERS } from '../contracts/dlq.js';
import type { ErrorCode } from '../errors.js';
import type { ConsumedRecord } from '../kafka/message.js';
import type { PreparedMessage } from '../runtime/ports.js';
import type { DeadLetter } from './dead-letter.js';
import type { ReplayTarget } from './target.js';

const FAILURE_HEADERS: ReadonlySet<string> = new Set([...Object.values(DLQ_HEADERS), ...Object.values(REPLAY_HEADERS)]);

export interface ReplayRecordContext {
  target: ReplayTarget;
  replayId: string;
  code: ErrorCode;
  /** This replay's attempt number for the record (1 on its first replay). */
  attempt: number;
}

/**
 * The record a replay writes to the stage's input: the dead letter's key and value byte for byte, its headers
 * without the failure's (DLQ_HEADERS, and the previous replay's REPLAY_HEADERS, which are written anew), plus this
 * replay's headers. Nothing else is changed; the partition follows from the key as it did for the original.
 */
export function replayRecord(r: ConsumedRecord, dead: DeadLetter, c: ReplayRecordContext): PreparedMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (!FAILURE_HEADERS.has(k)) headers[k] = v;
  headers[REPLAY_HEADERS.id] = c.replayId;
  headers[REPLAY_HEADERS.attempt] = String(c.attempt);
  headers[REPLAY_HEADERS.code] = c.code;
  headers[REPLAY_HEADERS.dlqTopic] = c.target.dlqTopic;
  headers[REPLAY_HEADERS.dlqPartition] = String(r.partition);
  headers[REPLAY_HEADERS.dlqOffset] = String(r.offset);
  if (dead.origin) {
    headers[REPLAY_HEADERS.originTopic] = dead.origin.topic;
    headers[REPLAY_HEADERS.originPartition] = String(dead.origin.partition);
    headers[REPLAY_HEADERS.originOffset] = String(dead.origin.offset);
  }
  if (dead.firstFailureAt !== undefined) headers[REPLAY_HEADERS.firstFailureAt] = dead.firstFailureAt;
  return {
    topic: c.target.inputTopic,
    logicalTopic: c.target.input,
    key: r.key,
    // The runtime writes an absent value as empty bytes (record-processor.ts); it goes back the same way.
    value: r.value ?? Buffer.alloc(0),
    headers,
  };
}
