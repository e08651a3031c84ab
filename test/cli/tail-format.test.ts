import { describe, expect, it } from 'vitest';
import { formatRecord } from '../../src/cli/commands/tail.js';
import { formatIngestSummary } from '../../src/cli/commands/ingest.js';
import { DLQ_HEADERS, REPLAY_HEADERS } from '../../src/contracts/dlq.js';
import { emptySummary } from '../../src/ingest/types.js';

describe('tail and ingest output', () => {
  const base = { topic: 't', partition: 1, offset: '7', key: 'k', timestamp: '2026-01-01T00:00:00.000Z', headers: {}, raw: null };

  it('pretty-prints a decoded record with its position', () => {
    const text = formatRecord({ ...base, value: { a: 1 } });
    expect(text).toContain('t p1 @7  key=k');
    expect(text).toContain('"a": 1');
  });

  it('shows a dead letter with its reason and original bytes', () => {
    const headers = {
      [DLQ_HEADERS.stage]: 'pagefilter',
      [DLQ_HEADERS.kind]: 'poison',
      [DLQ_HEADERS.code]: 'decode_failed',
      [DLQ_HEADERS.attempts]: '1',
      [DLQ_HEADERS.message]: 'payload is not JSON',
    };
    const text = formatRecord({ ...base, headers, value: undefined, raw: Buffer.from('{broken'), error: 'not JSON' });
    expect(text).toContain('dead-lettered by pagefilter: poison/decode_failed after 1 attempt(s): payload is not JSON');
    expect(text).toContain('(undecodable: not JSON)\n{broken');
  });

  it('shows where a replayed record came from', () => {
    const headers = {
      [REPLAY_HEADERS.id]: 'sel-0123456789abcdef',
      [REPLAY_HEADERS.attempt]: '2',
      [REPLAY_HEADERS.dlqTopic]: 'personas.unique.dlq.synthesize-math',
      [REPLAY_HEADERS.dlqPartition]: '0',
      [REPLAY_HEADERS.dlqOffset]: '41',
    };
    expect(formatRecord({ ...base, headers, value: { a: 1 } })).toContain(
      'replayed (attempt 2, replay sel-0123456789abcdef) from personas.unique.dlq.synthesize-math p0 @41',
    );
  });

  it('summarises an ingest with skip reasons', () => {
    const s = emptySummary();
    s.read = 5;
    s.produced = 3;
    s.skipped.no_text = 1;
    s.skipped.invalid_json = 1;
    expect(formatIngestSummary(s)).toBe('read=5 produced=3 skipped=2 (invalid_json=1 no_text=1)');
  });
});
