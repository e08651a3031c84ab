import { z } from 'zod';
import { Usage } from './provenance.js';
import { syntheticSampleSchema } from './synthetic.js';

/**
 * Verified math (issue #15): a `synth.math` sample that the `verify-math` stage had solved k times independently,
 * whose answers agreed (at least minAgree of k) and, when the sample states a solution, matched its final answer.
 * The sample is carried unchanged; `verification` says how it was checked.
 */

/** What one independent solving attempt must return (sent to the LLM as a strict JSON schema). */
export const MathSolution = z.object({
  work: z.string().describe('The reasoning that leads to the answer, step by step'),
  final_answer: z.string().min(1).describe('Only the final answer: a number (with its unit if any) or a short expression'),
});
export type MathSolution = z.infer<typeof MathSolution>;

export const MathVerification = z.object({
  attempts: z.number().int().min(1).describe('Independent solving attempts (k)'),
  agreeing: z.number().int().min(1).describe('Attempts whose answer equals the agreed answer'),
  answers: z.array(z.string()).describe('The final answer of every attempt, in attempt order'),
  answer: z.string().describe('The agreed answer (as the first agreeing attempt wrote it)'),
  statedAnswer: z.string().nullable().describe("Final answer taken from the sample's own solution; null when it states none"),
  model: z.string(),
  simulated: z.boolean(),
  promptId: z.string(),
  promptVersion: z.string(),
  usage: Usage.describe('Tokens of all attempts together'),
  verifiedAt: z.string().describe('ISO-8601'),
});
export type MathVerification = z.infer<typeof MathVerification>;

export const VerifiedMathSample = syntheticSampleSchema('math').extend({ verification: MathVerification });
export type VerifiedMathSample = z.infer<typeof VerifiedMathSample>;
