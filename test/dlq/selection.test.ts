import { describe, expect, it } from 'vitest';
import { DlqUsageError } from '../../src/dlq/errors.js';
import { checkReplayId, parseSelection, replayGroupId, replayIdFor, selects } from '../../src/dlq/selection.js';
import { readDeadLetter, type DeadLetter } from '../../src/dlq/dead-letter.js';
import { TARGET, T0, deadLetter } from './fixtures.js';

const base = { dlqTopic: TARGET.dlqTopic, maxAttempts: 3 };
const dead = (o: Parameters<typeof deadLetter>[0]) => readDeadLetter(deadLetter(o)) as DeadLetter;

describe('parseSelection', () => {
  it('normalises: sorted, deduplicated sets; times in canonical UTC', () => {
    expect(parseSelection({ ...base, codes: ['llm_timeout', 'llm_connection', 'llm_timeout'], kinds: ['retriable'], since: '2026-11-25T11:00:00+01:00', until: '2026-11-26' })).toEqual({
      ...base,
      codes: ['llm_connection', 'llm_timeout'],
      kinds: ['retriable'],
      since: '2026-11-25T10:00:00.000Z',
      until: '2026-11-26T00:00:00.000Z',
    });
  });

  it.each([
    ['an unknown code', { codes: ['llm_down'] }, /--code llm_down: not one of decode_failed/],
    ['an unknown kind', { kinds: ['transient'] }, /--kind transient: not one of retriable, poison, fatal/],
    ['a time without a zone', { since: '2026-11-25T10:00' }, /--since "2026-11-25T10:00": give an absolute time with a zone/],
    ['a relative time', { until: '2h' }, /--until "2h"/],
    ['an impossible date', { since: '2026-02-30' }, /--since/],
    ['since not before until', { since: '2026-11-26', until: '2026-11-25' }, /is not before --until/],
    ['a zero attempt limit', { maxAttempts: 0 }, /--max-attempts must be a positive integer/],
  ])('refuses %s with a clear message', (_name, input, message) => {
    expect(() => parseSelection({ ...base, ...input })).toThrow(DlqUsageError);
    expect(() => parseSelection({ ...base, ...input })).toThrow(message);
  });
});

describe('selects', () => {
  const s = (extra: object) => parseSelection({ ...base, ...extra });
  it.each([
    ['any selection, any dead letter', {}, { offset: 0 }, true],
    ['by kind', { kinds: ['poison'] }, { offset: 0, kind: 'retriable' }, false],
    ['by code, one of several', { codes: ['llm_timeout', 'llm_connection'] }, { offset: 0 }, true],
    ['by code, other', { codes: ['schema_invalid'] }, { offset: 0 }, false],
    ['since is inclusive', { since: new Date(T0).toISOString() }, { offset: 0, at: T0 }, true],
    ['before since', { since: new Date(T0).toISOString() }, { offset: 0, at: T0 - 1 }, false],
    ['until is exclusive', { until: new Date(T0).toISOString() }, { offset: 0, at: T0 }, false],
    ['before until', { until: new Date(T0).toISOString() }, { offset: 0, at: T0 - 1 }, true],
  ])('%s', (_name, sel, rec, expected) => {
    expect(selects(s(sel), dead(rec))).toBe(expected);
  });
});

describe('replay id', () => {
  it('is derived from everything that decides what is replayed, and from nothing else', () => {
    const a = replayIdFor(parseSelection({ ...base, codes: ['llm_timeout', 'llm_connection'] }));
    expect(a).toMatch(/^sel-[0-9a-f]{16}$/);
    expect(replayIdFor(parseSelection({ ...base, codes: ['llm_connection', 'llm_timeout', 'llm_connection'] }))).toBe(a);
    const others = [
      { ...base, codes: ['llm_timeout'] },
      { ...base, codes: ['llm_timeout', 'llm_connection'], kinds: ['retriable'] },
      { ...base, codes: ['llm_timeout', 'llm_connection'], since: '2026-01-01' },
      { ...base, codes: ['llm_timeout', 'llm_connection'], until: '2026-01-01' },
      { ...base, codes: ['llm_timeout', 'llm_connection'], maxAttempts: 4 },
      { ...base, codes: ['llm_timeout', 'llm_connection'], dlqTopic: 'personas.unique.dlq.synthesize-math' },
    ].map((i) => replayIdFor(parseSelection(i)));
    expect(new Set([a, ...others]).size).toBe(others.length + 1);
  });

  it('a given id must be safe in a group and a transactional id', () => {
    expect(checkReplayId('INC-1234_fix.prompt')).toBe('INC-1234_fix.prompt');
    for (const bad of ['', '-x', 'a b', 'a/b', 'x'.repeat(101)]) expect(() => checkReplayId(bad), bad).toThrow(DlqUsageError);
    expect(replayGroupId('p.x.dlq.s', 'r1')).toBe('personahub.dlq-replay.p.x.dlq.s.r1');
  });
});
