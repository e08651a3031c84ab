import { z } from 'zod';
import { Provenance } from './provenance.js';

export const PERSPECTIVES = ['read', 'write', 'like', 'dislike', 'relation'] as const;
export const Perspective = z.enum(PERSPECTIVES);
export type Perspective = z.infer<typeof Perspective>;

export const EXPERTISE_LEVELS = ['novice', 'intermediate', 'expert'] as const;
export const ExpertiseLevel = z.enum(EXPERTISE_LEVELS);

/** The attribute names a scenario's routing filter may test (stages.synthesize.scenarios.<s>.routing). */
export const PERSONA_ATTRIBUTE_NAMES = ['occupation', 'domain', 'interests', 'expertise', 'region', 'language'] as const;
export type PersonaAttributeName = (typeof PERSONA_ATTRIBUTE_NAMES)[number];

/**
 * Structured attributes of a persona ("persona carver"), as extract and expand infer them beside the free text.
 * Every field is optional and present only when stated or clearly implied: a model that gives none (or an older
 * record without `attributes`) is still a valid persona. Schema evolution: added as an optional field, so the
 * registry's BACKWARD rule holds (the new schema reads every record the old one wrote).
 */
export const PersonaAttributes = z.object({
  occupation: z.string().min(1).optional().describe('Role or job, e.g. "paediatric nurse"'),
  domain: z.string().min(1).optional().describe('Field the persona works or thinks in, e.g. "public health"'),
  interests: z.array(z.string().min(1)).max(8).optional().describe('Topics the persona cares about, at most 8'),
  expertise: ExpertiseLevel.optional().describe('How much the persona knows of their domain'),
  region: z.string().min(1).optional().describe('Country or region, only when stated or clearly implied'),
  language: z.string().min(1).optional().describe('Language the persona uses, only when stated or clearly implied'),
});
export type PersonaAttributes = z.infer<typeof PersonaAttributes>;

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
  attributes: PersonaAttributes.optional().describe('Structured attributes inferred with the text (absent in records of older stages)'),
});
export type Persona = z.infer<typeof Persona>;
