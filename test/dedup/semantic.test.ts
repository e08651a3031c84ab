import { describe, expect, it } from 'vitest';
import { SemanticIndex, dot, unit } from '../../src/dedup/semantic.js';
import { mulberry32 } from '../../src/dedup/hash32.js';

/** Random unit vector, and one at a chosen cosine from it (rotation towards an orthogonal direction). */
function vectors(seed: number, dim: number, cos: number): [Float32Array, Float32Array] {
  const rnd = mulberry32(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const a = unit(Array.from({ length: dim }, g));
  const r = Array.from({ length: dim }, g);
  const proj = r.reduce((s, x, i) => s + x * a[i]!, 0);
  const o = unit(r.map((x, i) => x - proj * a[i]!));
  const b = unit(Array.from(a, (x, i) => cos * x + Math.sqrt(1 - cos * cos) * o[i]!));
  return [a, b];
}

describe('SemanticIndex (random-hyperplane LSH + exact cosine)', () => {
  it.each([
    [0.97, true],
    [0.92, true],
    [0.85, false],
    [0.3, false],
  ])('cosine %f -> duplicate=%s (50 random pairs each)', (cos, dup) => {
    let hits = 0;
    for (let s = 0; s < 50; s++) {
      const [a, b] = vectors(100 + s, 64, cos);
      expect(dot(a, b)).toBeCloseTo(cos, 3);
      const idx = new SemanticIndex();
      idx.offer(a, 'a');
      if (idx.offer(b, 'b') === 'a') hits++;
    }
    // above the threshold a miss needs every one of 24 bands to differ: P < 0.001 per pair
    expect(hits).toBe(dup ? 50 : 0);
  });

  it('rejects a change of dimension', () => {
    const idx = new SemanticIndex();
    idx.offer([1, 0, 0], 'a');
    expect(() => idx.offer([1, 0], 'b')).toThrow(RangeError);
  });
});
