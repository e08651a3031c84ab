import { PERSONA_ATTRIBUTE_NAMES, type PersonaAttributeName, type PersonaAttributes } from '../../contracts/persona.js';

/**
 * Attribute coverage: for each persona attribute, whether a value is new (never seen by this process) or seen
 * before. The share of new values over time shows whether the flow still reaches new occupations, domains, regions
 * … or keeps producing the same ones. Values are compared lower-cased and trimmed; `interests` counts each
 * interest. Memory is bounded: at most `maxValues` values per attribute, the oldest forgotten first (a forgotten
 * value seen again counts as new, so past the bound the share is an upper estimate).
 */
export type Novelty = 'new' | 'seen';

export class AttributeCoverage {
  private readonly seen = new Map<PersonaAttributeName, Set<string>>(PERSONA_ATTRIBUTE_NAMES.map((n) => [n, new Set<string>()]));

  constructor(private readonly maxValues: number) {}

  /** Every attribute value of one persona with its novelty (and remembers the values). */
  observe(attributes: PersonaAttributes | undefined): Array<{ attribute: PersonaAttributeName; novelty: Novelty }> {
    if (!attributes) return [];
    const out: Array<{ attribute: PersonaAttributeName; novelty: Novelty }> = [];
    for (const attribute of PERSONA_ATTRIBUTE_NAMES) {
      const v = attributes[attribute];
      const values = v === undefined ? [] : Array.isArray(v) ? v : [v];
      const set = this.seen.get(attribute)!;
      for (const raw of values) {
        const key = raw.trim().toLowerCase();
        if (key === '') continue;
        if (set.has(key)) {
          out.push({ attribute, novelty: 'seen' });
          continue;
        }
        set.add(key);
        if (set.size > this.maxValues) set.delete(set.values().next().value!);
        out.push({ attribute, novelty: 'new' });
      }
    }
    return out;
  }

  distinct(attribute: PersonaAttributeName): number {
    return this.seen.get(attribute)!.size;
  }
}
