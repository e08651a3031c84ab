import { z } from 'zod';
import { PERSONA_ATTRIBUTE_NAMES, type Persona, type PersonaAttributeName } from '../../contracts/persona.js';

/**
 * A scenario's routing filter on persona attributes: which personas a scenario wants (e.g. math only for personas
 * whose domain involves quantities). `match` lists, per attribute, words of which at least one must occur in it
 * (case-insensitive substring, so "statistic" matches "statistics" and "biostatistician"; for `interests`, in any
 * one interest). Every listed attribute must match (AND across attributes, OR within one). A persona that lacks a
 * listed attribute (older records, or a model that left it out) passes when `whenMissing` is `pass`, and is
 * filtered when it is `filter`. A persona the filter rejects is counted as filtered with reason `routed_out`.
 */
const Words = z.array(z.string().min(1)).min(1);
export const RoutingConfig = z
  .object({
    match: z
      .object(Object.fromEntries(PERSONA_ATTRIBUTE_NAMES.map((n) => [n, Words.optional()])) as { [K in PersonaAttributeName]: z.ZodOptional<typeof Words> })
      .strict()
      .refine((m) => Object.keys(m).length > 0, 'routing.match needs at least one attribute')
      .describe('Per attribute, words of which one must occur in it (case-insensitive)'),
    whenMissing: z
      .enum(['pass', 'filter'])
      .default('pass')
      .describe('What happens to a persona that lacks a listed attribute'),
  })
  .strict();
export type RoutingConfig = z.infer<typeof RoutingConfig>;

/** True when the persona passes the scenario's routing filter (always true without a filter). */
export function routes(persona: Pick<Persona, 'attributes'>, routing: RoutingConfig | null | undefined): boolean {
  if (!routing) return true;
  for (const [name, words] of Object.entries(routing.match) as Array<[PersonaAttributeName, string[] | undefined]>) {
    if (!words) continue;
    const v = persona.attributes?.[name];
    const values = v === undefined ? [] : Array.isArray(v) ? v : [v];
    if (values.length === 0) {
      if (routing.whenMissing === 'filter') return false;
      continue;
    }
    const lower = values.map((x) => x.toLowerCase());
    if (!words.some((w) => lower.some((x) => x.includes(w.toLowerCase())))) return false;
  }
  return true;
}
