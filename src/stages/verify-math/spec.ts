import { z } from 'zod';

/** Settings of the `verify-math` stage (synth.math → synth.math.verified). */
export const VerifyMathConfig = z
  .object({
    attempts: z.number().int().min(1).max(9).default(3).describe('Independent solving attempts per problem (k)'),
    minAgree: z
      .number()
      .int()
      .min(1)
      .default(2)
      .describe('Attempts that must give the same final answer; more than half of `attempts`, so only one answer can win'),
    requireSolutionMatch: z
      .boolean()
      .default(true)
      .describe("When the sample states a solution, its final answer must equal the agreed answer (else filtered as solution_mismatch)"),
    temperature: z.number().min(0).max(2).default(0.7).describe('Sampling temperature of each attempt (attempt i also sends seed i)'),
    relTolerance: z.number().min(0).default(1e-6).describe('Two numeric answers are equal within this relative tolerance'),
  })
  .refine((c) => c.minAgree <= c.attempts, { message: 'minAgree must be <= attempts' })
  .refine((c) => c.minAgree * 2 > c.attempts, { message: 'minAgree must be more than half of attempts' })
  .default({ attempts: 3, minAgree: 2, requireSolutionMatch: true, temperature: 0.7, relTolerance: 1e-6 });
export type VerifyMathConfig = z.infer<typeof VerifyMathConfig>;
