import { describe, expect, it } from 'vitest';
import { embedText } from '../../src/sim/embeddings.js';

const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('simulated embeddings', () => {
  it('are unit vectors, deterministic, and close for similar texts, far for unrelated ones', () => {
    const a = embedText('A nurse who studies salmon, rivers and dams in the valley', 256);
    const b = embedText('A nurse who studies salmon, rivers and old dams in the valley', 256);
    const c = embedText('Quarterly tax filings for small bakeries and flour contracts', 256);
    expect(cos(a, a)).toBeCloseTo(1, 9);
    expect(embedText('A nurse who studies salmon, rivers and dams in the valley', 256)).toEqual(a);
    expect(cos(a, b)).toBeGreaterThan(0.85);
    expect(Math.abs(cos(a, c))).toBeLessThan(0.3);
  });
  it('give a valid unit vector for empty text', () => {
    const v = embedText('', 16);
    expect(cos(v, v)).toBeCloseTo(1, 9);
  });
});
