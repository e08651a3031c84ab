import { DLQ_HEADERS, REPLAY_HEADERS } from '../../src/contracts/dlq.js';
import type { ConsumedRecord } from '../../src/kafka/message.js';
import type { ReplayTarget } from '../../src/dlq/target.js';

/** Dead-letter records as the runtime writes them (src/runtime/record-processor.ts), for the dlq unit tests. */
export const TARGET: ReplayTarget = {
  dlqTopic: 'p.personas.unique.dlq.synthesize-math',
  stage: 'synthesize-math',
  input: 'personas.unique',
  inputTopic: 'p.personas.unique',
  prefix: 'p.',
};

export const T0 = Date.parse('2026-11-25T10:00:00Z');

export interface DeadOptions {
  offset: number;
  partition?: number;
  kind?: string;
  code?: string;
  stage?: string;
  at?: number;
  /** Replay headers the dead letter carries (it is the failure of a replayed record). */
  replay?: { id: string; attempt: number; fromOffset: number };
  headers?: Record<string, string>;
}

export function deadLetter(o: DeadOptions): ConsumedRecord {
  const headers: Record<string, string> = {
    trace: `t${o.offset}`,
    ...o.headers,
    [DLQ_HEADERS.kind]: o.kind ?? 'retriable',
    [DLQ_HEADERS.code]: o.code ?? 'llm_connection',
    [DLQ_HEADERS.message]: 'connect ECONNREFUSED',
    [DLQ_HEADERS.stage]: o.stage ?? 'synthesize-math',
    [DLQ_HEADERS.attempts]: '1',
    [DLQ_HEADERS.firstFailureAt]: '2026-11-25T09:59:59.000Z',
    [DLQ_HEADERS.sourceTopic]: 'p.personas.unique',
    [DLQ_HEADERS.sourcePartition]: '0',
    [DLQ_HEADERS.sourceOffset]: String(100 + o.offset),
  };
  if (o.replay) {
    Object.assign(headers, {
      [REPLAY_HEADERS.id]: o.replay.id,
      [REPLAY_HEADERS.attempt]: String(o.replay.attempt),
      [REPLAY_HEADERS.code]: 'llm_connection',
      [REPLAY_HEADERS.dlqTopic]: TARGET.dlqTopic,
      [REPLAY_HEADERS.dlqPartition]: '0',
      [REPLAY_HEADERS.dlqOffset]: String(o.replay.fromOffset),
      [REPLAY_HEADERS.originTopic]: 'p.personas.unique',
      [REPLAY_HEADERS.originPartition]: '0',
      [REPLAY_HEADERS.originOffset]: String(100 + o.replay.fromOffset),
      [REPLAY_HEADERS.firstFailureAt]: '2026-11-25T09:00:00.000Z',
    });
  }
  return {
    partition: o.partition ?? 0,
    offset: o.offset,
    key: Buffer.from(`key-${o.offset}`),
    value: Buffer.from(JSON.stringify({ n: o.offset })),
    timestamp: o.at ?? T0 + o.offset * 1000,
    headers,
  };
}
