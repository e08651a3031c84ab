import { z } from 'zod';
import { Provenance } from './provenance.js';

export const PERSPECTIVES = ['read', 'write', 'like', 'dislike', 'relation'] as const;
export const Perspective = z.enum(PERSPECTIVES);
export type Perspective = z.infer<typeof Perspective>;

/**
 * A persona on `personas.candidates` (before dedup) and `personas.unique` (after).
 * `id` is a stable hash of the normalised text (see src/dedup/normalize.ts), so the same persona text always has
 * the same id wherever it was found. hop 0 = inferred from a document; hop n = n Persona-to-Persona steps away.
 */
export const Persona = z.object({
  id: z.string().min(1),
  text: z.string().min(1),
  hop: z.number().int().min(0),
  perspective: Perspective,
  relation: z.string().nullable().optional().describe('For hop > 0: how this persona relates to its parent'),
  parentId: z.string().nullable().optional(),
  rootDocId: z.string(),
  rootUrl: z.string(),
  budget: z
    .number()
    .int()
    .min(0)
    .nullable()
    .optional()
    .describe('Descendants this persona may still spawn via Persona-to-Persona: the per-document budget, split down the tree'),
  provenance: Provenance,
});
export type Persona = z.infer<typeof Persona>;
