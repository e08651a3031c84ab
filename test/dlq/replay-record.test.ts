import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, REPLAY_HEADERS } from '../../src/contracts/dlq.js';
import { readDeadLetter, type DeadLetter } from '../../src/dlq/dead-letter.js';
import { replayRecord } from '../../src/dlq/replay-record.js';
import { TARGET, deadLetter } from './fixtures.js';

const build = (r: ReturnType<typeof deadLetter>, attempt: number) =>
  replayRecord(r, readDeadLetter(r) as DeadLetter, { target: TARGET, replayId: 'r-now', code: 'llm_connection', attempt });

describe('the record a replay writes', () => {
  it('is the original key and value byte for byte, its own headers kept, the failure\'s removed, replay headers added', () => {
    const dead = deadLetter({ offset: 3, headers: { 'x-crawler': 'cc-2026-47' } });
    const m = build(dead, 1);
    expect(m.topic).toBe('p.personas.unique');
    expect(m.logicalTopic).toBe('personas.unique');
    expect(m.key).toEqual(dead.key);
    expect(m.value).toEqual(dead.value);
    expect(m.partition).toBeUndefined();
    expect(m.headers).toEqual({
      trace: 't3',
      'x-crawler': 'cc-2026-47',
      [REPLAY_HEADERS.id]: 'r-now',
      [REPLAY_HEADERS.attempt]: '1',
      [REPLAY_HEADERS.code]: 'llm_connection',
      [REPLAY_HEADERS.dlqTopic]: TARGET.dlqTopic,
      [REPLAY_HEADERS.dlqPartition]: '0',
      [REPLAY_HEADERS.dlqOffset]: '3',
      [REPLAY_HEADERS.originTopic]: 'p.personas.unique',
      [REPLAY_HEADERS.originPartition]: '0',
      [REPLAY_HEADERS.originOffset]: '103',
      [REPLAY_HEADERS.firstFailureAt]: '2026-11-25T09:59:59.000Z',
    });
    for (const h of Object.values(DLQ_HEADERS)) expect(m.headers).not.toHaveProperty(h);
  });

  it('a record replayed before keeps its origin and first failure, and points at the dead letter it comes from now', () => {
    const m = build(deadLetter({ offset: 9, replay: { id: 'r-before', attempt: 1, fromOffset: 3 } }), 2);
    expect(m.headers).toMatchObject({
      [REPLAY_HEADERS.id]: 'r-now',
      [REPLAY_HEADERS.attempt]: '2',
      [REPLAY_HEADERS.dlqOffset]: '9',
      [REPLAY_HEADERS.originOffset]: '103',
      [REPLAY_HEADERS.firstFailureAt]: '2026-11-25T09:00:00.000Z',
    });
  });
});
