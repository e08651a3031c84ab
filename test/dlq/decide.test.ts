import { describe, expect, it } from 'vitest';
import { decide, supersededKey, type DecideContext } from '../../src/dlq/decide.js';
import { parseSelection } from '../../src/dlq/selection.js';
import { TARGET, deadLetter } from './fixtures.js';

const ctx = (extra: Partial<DecideContext> = {}, sel: object = {}): DecideContext => ({
  selection: parseSelection({ dlqTopic: TARGET.dlqTopic, maxAttempts: 2, ...sel }),
  replayId: 'r-now',
  stage: TARGET.stage,
  superseded: new Set(),
  ...extra,
});
const summary = (d: ReturnType<typeof decide>) =>
  d.action === 'replay' ? `replay ${d.code} attempt ${d.attempt}` : d.action === 'skip' ? `skip ${d.reason}` : 'outside';

describe('what a replay does with one dead letter', () => {
  it.each([
    ['a first dead letter', deadLetter({ offset: 3 }), ctx(), 'replay llm_connection attempt 1'],
    ['the failure of a replay by another id', deadLetter({ offset: 9, replay: { id: 'r-before', attempt: 1, fromOffset: 3 } }), ctx(), 'replay llm_connection attempt 2'],
    ['outside the selection (code)', deadLetter({ offset: 3 }), ctx({}, { codes: ['schema_invalid'] }), 'outside'],
    ['outside the selection (kind)', deadLetter({ offset: 3, kind: 'poison', code: 'schema_invalid' }), ctx({}, { kinds: ['retriable'] }), 'outside'],
    ['superseded by a later dead letter of its replay', deadLetter({ offset: 3 }), ctx({ superseded: new Set(['0:3']) }), 'skip superseded'],
    ['the failure of a record this replay id re-injected', deadLetter({ offset: 9, replay: { id: 'r-now', attempt: 1, fromOffset: 3 } }), ctx(), 'skip replayed_by_this_id'],
    ['replayed as often as the limit allows', deadLetter({ offset: 9, replay: { id: 'r-before', attempt: 2, fromOffset: 3 } }), ctx(), 'skip max_attempts'],
    ['written by another stage', deadLetter({ offset: 3, stage: 'expand' }), ctx(), 'skip other_stage'],
    ['without dead-letter headers', { ...deadLetter({ offset: 3 }), headers: { trace: 'x' } }, ctx(), 'skip not_a_dead_letter'],
    ['with an unknown code', deadLetter({ offset: 3, code: 'llm_down' }), ctx(), 'skip not_a_dead_letter'],
  ])('%s', (_name, record, c, expected) => {
    expect(summary(decide(record, c))).toBe(expected);
  });

  it('a dead letter of a replayed record names the dead letter it supersedes (same topic only)', () => {
    expect(supersededKey(deadLetter({ offset: 9, replay: { id: 'r', attempt: 1, fromOffset: 3 } }), TARGET.dlqTopic)).toBe('0:3');
    expect(supersededKey(deadLetter({ offset: 9, replay: { id: 'r', attempt: 1, fromOffset: 3 } }), 'other.dlq.topic')).toBeUndefined();
    expect(supersededKey(deadLetter({ offset: 3 }), TARGET.dlqTopic)).toBeUndefined();
  });
});
