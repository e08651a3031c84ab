/**
 * distinct-n over a sliding window (Li et al., 2016): the number of distinct word n-grams divided by the number of
 * n-grams, over the last `window` texts. Kept incrementally: a count per n-gram in the window, so adding a text
 * and evicting the oldest costs O(its length), never a rescan of the window.
 */
export const tokens = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];

export function ngrams(words: string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= words.length; i++) out.push(words.slice(i, i + n).join(' '));
  return out;
}

export class DistinctWindow {
  private readonly texts: string[][][] = [];
  private readonly counts: Array<Map<string, number>>;
  private readonly totals: number[];

  constructor(
    private readonly window: number,
    private readonly orders: readonly number[] = [1, 2],
  ) {
    this.counts = orders.map(() => new Map());
    this.totals = orders.map(() => 0);
  }

  add(text: string): void {
    const words = tokens(text);
    const grams = this.orders.map((n) => ngrams(words, n));
    this.texts.push(grams);
    grams.forEach((gs, i) => this.apply(i, gs, 1));
    if (this.texts.length > this.window) this.texts.shift()!.forEach((gs, i) => this.apply(i, gs, -1));
  }

  /** distinct-n for the order at `orders[i]`; undefined while the window holds no n-gram of that order. */
  distinct(n: number): number | undefined {
    const i = this.orders.indexOf(n);
    if (i < 0 || this.totals[i] === 0) return undefined;
    return this.counts[i]!.size / this.totals[i]!;
  }

  get size(): number {
    return this.texts.length;
  }

  private apply(i: number, grams: string[], delta: 1 | -1): void {
    const m = this.counts[i]!;
    for (const g of grams) {
      const c = (m.get(g) ?? 0) + delta;
      if (c === 0) m.delete(g);
      else m.set(g, c);
    }
    this.totals[i]! += delta * grams.length;
  }
}

/** Every string of a structured output, joined: the text distinct-n and embeddings see for one sample. */
export function outputText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(outputText).filter((s) => s !== '').join('\n');
  if (value && typeof value === 'object') return Object.values(value).map(outputText).filter((s) => s !== '').join('\n');
  return '';
}
