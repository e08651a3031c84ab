import { z } from 'zod';

/**
 * What travels on a route topic (`personas.dedup.route`, `web.documents.pagefilter.route`): the item, every
 * step key it must pass (computed once, at entry), the step it is at, and its verification payload.
 *
 * Step keys: `x:<32 hex>` exact key (step 0), `b<i>:<8 hex>` MinHash band i, `t<i>:<8 hex>` SimHash table i.
 * The record's Kafka key is `keys[step]`, so every record of one step key lands in one partition.
 */
export const RouteRecord = z.object({
  step: z.number().int().min(0),
  keys: z.array(z.string().min(3)).min(1),
  /** MinHash: sorted distinct 32-bit word hashes; SimHash: [hi, lo]. */
  payload: z.array(z.number().int().min(0)),
  id: z.string().min(1),
  /** Persona hop (documents: 0), for the dedup-hits metric's `hop` label. */
  hop: z.number().int().min(0),
  item: z.unknown(),
});
export type RouteRecord = z.infer<typeof RouteRecord>;

/**
 * A changelog entry: one item stored under one step key in one partition. Kafka key `<stepKey>|<id>`,
 * written to the changelog partition equal to the route partition that holds the step key (co-partitioned).
 * `ref` (exact step only) is the route record's partition:offset, which tells a re-processed record (same ref)
 * from a second copy of the same text (different ref).
 */
export const ChangelogEntry = z.object({
  key: z.string(),
  id: z.string(),
  ref: z.string(),
  payload: z.array(z.number().int().min(0)),
});
export type ChangelogEntry = z.infer<typeof ChangelogEntry>;

export type StepKind = 'exact' | 'minhash' | 'simhash';

export function stepKind(key: string): StepKind {
  switch (key.charAt(0)) {
    case 'x':
      return 'exact';
    case 'b':
      return 'minhash';
    case 't':
      return 'simhash';
    default:
      throw new RangeError(`unknown step key ${key}`);
  }
}

export const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
