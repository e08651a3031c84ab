import { z } from 'zod';

/** Relation kinds suggested to the model; it may name others when they fit better. */
export const DEFAULT_RELATIONS = [
  'colleague',
  'client',
  'supplier',
  'patient',
  'student',
  'mentor',
  'family member',
  'competitor',
  'regulator',
  'critic',
] as const;

export const ExpandConfig = z
  .object({
    fanOut: z.number().int().min(1).max(16).default(3).describe('Related personas asked for per persona'),
    maxHops: z
      .number()
      .int()
      .min(0)
      .default(6)
      .describe('Personas at this hop are not expanded further (the paper uses 6); 0 disables expansion'),
    maxPersonasPerDocument: z
      .number()
      .int()
      .min(1)
      .default(60)
      .describe('Budget: personas one document may yield in total, hop 0 included (see src/stages/expand/budget.ts)'),
    relations: z.array(z.string().min(1)).min(1).default([...DEFAULT_RELATIONS]).describe('Relation kinds suggested to the model'),
  })
  .default({ fanOut: 3, maxHops: 6, maxPersonasPerDocument: 60, relations: [...DEFAULT_RELATIONS] });
export type ExpandConfig = z.infer<typeof ExpandConfig>;
