/**
 * Runs of consecutive words shared by two texts, case and punctuation ignored: how personahub tells a model's
 * reply that repeats text it was sent (a pasted page, an echoed re-ask note) from one in its own words.
 */

export const wordsOf = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * A finder of `run`-word passages of `source` in other texts: it returns the first run of `run` consecutive words
 * of the text it is given that also follow one another in `source`, or undefined. The source's runs are collected
 * once, on the first text long enough to hold one, and shared by every later call.
 */
export function passageFinder(source: string, run: number): (text: string) => string | undefined {
  let sourceRuns: Set<string> | undefined;
  return (text) => {
    const words = wordsOf(text);
    if (words.length < run) return undefined;
    if (!sourceRuns) {
      const sourceWords = wordsOf(source);
      sourceRuns = new Set();
      for (let i = 0; i + run <= sourceWords.length; i++) sourceRuns.add(sourceWords.slice(i, i + run).join(' '));
    }
    for (let i = 0; i + run <= words.length; i++) {
      const shingle = words.slice(i, i + run).join(' ');
      if (sourceRuns.has(shingle)) return shingle;
    }
    return undefined;
  };
}
