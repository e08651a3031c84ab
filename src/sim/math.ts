import { z } from 'zod';
import { hash32 } from './rng.js';

/**
 * The simulator's stand-in for solving math problems (the verify-math stage's `math_solution` calls), configurable
 * to disagree on a known share of problems. Nothing is computed: a problem's "true" answer is a hash of its text,
 * and the simulated math samples state that same answer in their solution, so both sides of a check are consistent.
 *
 * Each problem falls in one class, by a hash of its text alone (deterministic, independent of order, seed of the
 * attempt and process), in this order along [0, 1): `disagree` (every attempt gives another answer), `split` (the
 * first attempt, seed 0, is off by one; the others are right: 2 of 3 agree), `wrong` (every attempt agrees on an
 * answer that is not the stated one), and the rest `agree` (every attempt gives the stated answer).
 */
export const MathSimOptions = z
  .object({
    disagreeShare: z.number().min(0).max(1).default(0).describe('Share of problems whose attempts all answer differently'),
    splitShare: z.number().min(0).max(1).default(0).describe('Share whose first attempt (seed 0) differs from the others'),
    wrongShare: z.number().min(0).max(1).default(0).describe('Share whose attempts agree on an answer other than the stated solution'),
  })
  .prefault({})
  .refine((m) => m.disagreeShare + m.splitShare + m.wrongShare <= 1, 'math shares add up to more than 1');
export type MathSimOptions = z.infer<typeof MathSimOptions>;

export type MathClass = 'agree' | 'split' | 'disagree' | 'wrong';

/** The answer the simulator holds true for a problem (what simulated solutions state). */
export const simulatedAnswer = (problem: string): number => (hash32(problem.trim(), 0x6d617468) % 90) + 10;

/** The class of a problem under the options: a test computes with this which problems must be verified. */
export function mathClass(problem: string, o: MathSimOptions): MathClass {
  const u = hash32(problem.trim(), 0x636c6173) / 2 ** 32;
  if (u < o.disagreeShare) return 'disagree';
  if (u < o.disagreeShare + o.splitShare) return 'split';
  if (u < o.disagreeShare + o.splitShare + o.wrongShare) return 'wrong';
  return 'agree';
}

/** The final answer of one attempt (`seed` = the request's seed, the attempt index). */
export function attemptAnswer(problem: string, seed: number, o: MathSimOptions): string {
  const truth = simulatedAnswer(problem);
  switch (mathClass(problem, o)) {
    case 'disagree':
      return String(truth + 1 + seed);
    case 'split':
      return String(seed === 0 ? truth + 1 : truth);
    case 'wrong':
      return String(truth + 100);
    default:
      return String(truth);
  }
}

/** The text inside the first fenced block (`<<<LABEL` … `LABEL>>>`) of a message, or the whole text. */
export function unfence(text: string): string {
  const m = /<<<(\w+)\n([\s\S]*?)\n\1>>>/.exec(text);
  return m ? m[2]! : text;
}

/**
 * Make a filled structured value consistent for math: a solving attempt (`final_answer`) answers per the problem's
 * class; a math sample (`problem` + `solution`) states the problem's answer at the end of its solution.
 */
export function shapeMath(value: unknown, user: string, seed: number | undefined, o: MathSimOptions): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  if (typeof v['final_answer'] === 'string') {
    const problem = unfence(user);
    return { ...v, final_answer: attemptAnswer(problem, seed ?? 0, o) };
  }
  if (typeof v['problem'] === 'string' && typeof v['solution'] === 'string') {
    const solution = v['solution'].replace(/\s*Answer: [^.]*\.?\s*$/, '');
    return { ...v, solution: `${solution} Answer: ${simulatedAnswer(v['problem'])}.` };
  }
  return value;
}
