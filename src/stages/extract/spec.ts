import { z } from 'zod';

/** Perspectives from which a persona can be inferred from a text (Text-to-Persona). */
export const EXTRACT_PERSPECTIVES = ['read', 'write', 'like', 'dislike'] as const;
export type ExtractPerspective = (typeof EXTRACT_PERSPECTIVES)[number];

/**
 * How fine-grained the inferred personas are. `broad` gives a role ("a nurse"); `specific` adds the
 * specialisation, setting and motive the text reveals ("a paediatric nurse in a rural clinic who ..."), which is
 * what makes Persona Hub's personas diverse; `balanced` sits between.
 */
export const SPECIFICITY = ['broad', 'balanced', 'specific'] as const;

export const ExtractConfig = z
  .object({
    perspectives: z
      .array(z.enum(EXTRACT_PERSPECTIVES))
      .min(1)
      .default([...EXTRACT_PERSPECTIVES])
      .describe('Who the persona is relative to the text: someone who would read, write, like or dislike it'),
    minPersonas: z.number().int().min(1).default(1).describe('Fewest personas asked for per document'),
    maxPersonas: z.number().int().min(1).max(32).default(4).describe('Most personas kept per document'),
    specificity: z.enum(SPECIFICITY).default('specific').describe('How fine-grained each persona description is'),
    maxInputChars: z.number().int().positive().default(6000).describe('Document text is cut to this many characters'),
    maxInputTokens: z
      .number()
      .int()
      .positive()
      .default(1500)
      .describe('...and to about this many tokens (estimated at 4 characters per token); the smaller cut wins'),
    minTextChars: z.number().int().min(1).default(200).describe('Documents with less text are filtered, not sent to the LLM'),
  })
  .refine((c) => c.minPersonas <= c.maxPersonas, { message: 'minPersonas must be <= maxPersonas' })
  .default({
    perspectives: [...EXTRACT_PERSPECTIVES],
    minPersonas: 1,
    maxPersonas: 4,
    specificity: 'specific',
    maxInputChars: 6000,
    maxInputTokens: 1500,
    minTextChars: 200,
  });
export type ExtractConfig = z.infer<typeof ExtractConfig>;
