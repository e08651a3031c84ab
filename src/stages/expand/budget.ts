/**
 * The per-document expansion budget: how a single document is kept from exploding personas.candidates.
 *
 * Every persona carries `budget`, the number of descendants it may still spawn. Extract splits the configured
 * `maxPersonasPerDocument` among a document's hop-0 personas (after counting the hop-0 personas themselves);
 * expand gives a persona with budget B at most k = min(fanOut, B) children and splits the remaining B - k among
 * them.
 *
 * Invariant (by induction over the tree): a persona with budget B has at most B descendants, so one document
 * yields at most `maxPersonasPerDocument` personas in total, whatever fanOut and maxHops say. The rule is
 * stateless and deterministic: no counter store, no coordination between partitions, and a replayed record gets
 * the same budgets. Dedup dropping a child only loses that child's share; it never lets another branch exceed its
 * own.
 */

/** Split `total` into `n` shares that differ by at most one, larger shares first. */
export function splitEvenly(total: number, n: number): number[] {
  if (n <= 0) return [];
  const t = Math.max(0, Math.floor(total));
  const base = Math.floor(t / n);
  const extra = t % n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Budgets of the n hop-0 personas of one document: what is left of the document budget after them. */
export function hop0Budget(maxPersonasPerDocument: number, n: number): number[] {
  return splitEvenly(maxPersonasPerDocument - n, n);
}

/** How many children a persona with this budget may have, and each child's budget. */
export function childBudgets(budget: number, fanOut: number): number[] {
  const k = Math.max(0, Math.min(fanOut, Math.floor(budget)));
  return splitEvenly(budget - k, k);
}
