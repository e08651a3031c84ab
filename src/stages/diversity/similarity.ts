/**
 * Mean pairwise cosine similarity of the last `size` embedded outputs (how alike a scenario's outputs are; the
 * Persona Hub paper compares prompts by such similarity). Kept incrementally: the sum of the pairwise cosines of
 * the vectors in the window, updated as one vector enters and the oldest leaves (O(size · dims) per update).
 */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export class SimilaritySample {
  private readonly vectors: number[][] = [];
  private pairSum = 0;

  constructor(private readonly size: number) {}

  add(v: number[]): void {
    for (const u of this.vectors) this.pairSum += cosine(u, v);
    this.vectors.push(v);
    if (this.vectors.length > this.size) {
      const old = this.vectors.shift()!;
      for (const u of this.vectors) this.pairSum -= cosine(old, u);
    }
  }

  /** Mean cosine over all pairs in the window; undefined with fewer than two vectors. */
  mean(): number | undefined {
    const n = this.vectors.length;
    return n < 2 ? undefined : this.pairSum / ((n * (n - 1)) / 2);
  }
}
