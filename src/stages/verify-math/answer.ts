/**
 * Comparing final answers of math problems. Pure functions, no LLM.
 *
 * Two answers are equal when both read as numbers that agree within a relative tolerance ("50", "50.0",
 * "50 minutes", "1,200", "$1200", "3/4" vs "0.75"), otherwise when their canonical texts are equal (case, spacing,
 * LaTeX wrappers and a trailing full stop ignored). The comparison is deliberately conservative: two answers that
 * cannot be shown equal count as different, so an unclear problem is filtered rather than published as verified.
 */

/** Lower case, LaTeX wrappers (\boxed{…}, $…$) and a trailing full stop removed, whitespace collapsed. */
export function canonicalText(answer: string): string {
  let s = answer.trim();
  for (let prev = ''; prev !== s; ) {
    prev = s;
    s = s
      .replace(/^\\boxed\{([\s\S]*)\}$/, '$1')
      .replace(/^\$+([\s\S]*?)\$+$/, '$1')
      .replace(/^\\\(([\s\S]*)\\\)$/, '$1')
      .replace(/[.;,]\s*$/, '')
      .trim();
  }
  return s.toLowerCase().replace(/\s+/g, ' ');
}

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?/i;

/**
 * The value of an answer that is a number, optionally with a currency sign before and a unit or words after
 * ("$1,200", "50 minutes", "12%", "3/4 of the tank"); undefined for anything else ("x = 3 or x = 5", "north").
 */
export function numericValue(answer: string): number | undefined {
  let s = canonicalText(answer).replace(/^(?:answer\s*[:=]\s*|[a-z]\s*=\s*)/, '');
  s = s.replace(/^[$€£¥]\s*/, '').replace(/(\d),(?=\d{3}\b)/g, '$1');
  const m = NUMBER.exec(s);
  if (!m) return undefined;
  let value = Number(m[0]);
  let rest = s.slice(m[0].length).trim();
  const frac = /^\/\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))/.exec(rest);
  if (frac) {
    const d = Number(frac[1]);
    if (d === 0) return undefined;
    value /= d;
    rest = rest.slice(frac[0].length).trim();
  }
  // A unit or words may follow, but not more arithmetic or a second number ("3 or 5", "2 + x").
  if (/^[-+*/^=<>]|\d/.test(rest)) return undefined;
  return Number.isFinite(value) ? value : undefined;
}

export function answersEqual(a: string, b: string, relTolerance = 1e-6): boolean {
  const x = numericValue(a);
  const y = numericValue(b);
  if (x !== undefined && y !== undefined) return Math.abs(x - y) <= relTolerance * Math.max(1, Math.abs(x), Math.abs(y));
  if (x !== undefined || y !== undefined) return false;
  return canonicalText(a) === canonicalText(b) && canonicalText(a) !== '';
}

/**
 * The final answer a worked solution states: the text after its last "answer is", "answer:" or "answer =" (to
 * the end of that sentence), else its last number. Undefined when it states neither (no answer to match).
 */
export function statedAnswer(solution: string): string | undefined {
  const marked = [...solution.matchAll(/\banswer\s*(?:is\b|:|=)\s*([^\n]+)/gi)].at(-1);
  if (marked) {
    const sentence = marked[1]!.split(/\.(?:\s|$)/)[0]!.trim();
    if (sentence !== '') return sentence;
  }
  const numbers = [...solution.replace(/(\d),(?=\d{3}\b)/g, '$1').matchAll(/[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:\s*\/\s*\d+)?/g)];
  return numbers.at(-1)?.[0].replace(/\s+/g, '');
}

export interface Agreement {
  /** The agreed answer, as the first attempt in its group wrote it. */
  answer: string;
  /** How many attempts gave an answer equal to it. */
  count: number;
}

/**
 * The largest group of equal answers if it has at least `minAgree` members, else undefined. With
 * minAgree > answers/2 (the config enforces it) at most one group can qualify, so the result is unambiguous.
 * Groups are formed against each group's first answer, in attempt order (deterministic).
 */
export function agreement(answers: string[], minAgree: number, relTolerance = 1e-6): Agreement | undefined {
  const groups: Agreement[] = [];
  for (const a of answers) {
    const g = groups.find((x) => answersEqual(x.answer, a, relTolerance));
    if (g) g.count++;
    else groups.push({ answer: a, count: 1 });
  }
  const best = groups.reduce<Agreement | undefined>((m, g) => (!m || g.count > m.count ? g : m), undefined);
  return best && best.count >= minAgree ? best : undefined;
}
