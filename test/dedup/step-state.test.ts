import { describe, expect, it } from 'vitest';
import { StepState } from '../../src/dedup/stream/step-state.js';
import { jaccardSorted } from '../../src/dedup/minhash.js';
import { murmur32 } from '../../src/dedup/hash32.js';
import { hex8 } from '../../src/dedup/stream/route-record.js';

const idHash = (id: string) => hex8(murmur32(id, 0x1d));

const near = (s: ArrayLike<number>, i: readonly number[]) => jaccardSorted(s, i) >= 0.9;
const X = 'x:' + 'ab'.repeat(16);
const Y = 'x:' + 'cd'.repeat(16);
const B = 'b3:0000abcd';
const tokens = Array.from({ length: 12 }, (_, i) => i * 10);

describe('StepState.offer', () => {
  it.each([
    ['exact: first copy is stored', [[X, 'a', '0:5', []]], 'stored'],
    ['exact: same ref again is a replay', [[X, 'a', '0:5', []], [X, 'a', '0:5', []]], 'replay'],
    ['exact: same key, other ref is a duplicate', [[X, 'a', '0:5', []], [X, 'a', '0:9', []]], 'duplicate'],
    ['exact: other key is stored', [[X, 'a', '0:5', []], [Y, 'b', '0:6', []]], 'stored'],
    ['band: 11 shared of 13 distinct words (J = 0.85) is stored', [[B, 'a', '', tokens], [B, 'b', '', [...tokens.slice(0, 11), 999].sort((p, q) => p - q)]], 'stored'],
    ['band: 12 of 13 shared words (J = 0.92) is a duplicate', [[B, 'a', '', tokens], [B, 'b', '', [...tokens, 999]]], 'duplicate'],
    ['band: same id and payload is a replay', [[B, 'a', '', tokens], [B, 'a', '', tokens]], 'replay'],
  ] as const)('%s', (_title, steps, last) => {
    const s = new StepState();
    let d;
    for (const [key, id, ref, payload] of steps) d = s.offer(key, { id, ref, payload: [...payload] }, near);
    expect(d!.action).toBe(last);
  });

  it('restores from changelog entries idempotently and then decides as before', () => {
    const a = new StepState();
    const entries = [];
    for (const [key, id, ref, payload] of [[X, 'a', '1:7', []], [B, 'a', '', tokens]] as const) {
      const d = a.offer(key, { id, ref, payload: [...payload] }, near);
      if (d.action === 'stored') entries.push(d.entry);
    }
    const b = new StepState();
    for (const e of [...entries, ...entries]) b.restore(e);
    expect(b.size).toBe(2);
    expect(b.offer(X, { id: 'a', ref: '1:7', payload: [] }, near).action).toBe('replay');
    expect(b.offer(X, { id: 'z', ref: '2:1', payload: [] }, near)).toEqual({ action: 'duplicate', of: idHash('a') });
    expect(b.offer(B, { id: 'c', ref: '', payload: [...tokens, 999] }, near)).toEqual({ action: 'duplicate', of: idHash('a') });
  });
});
