import { createHash } from 'node:crypto';

/**
 * Stable ids and deterministic sampling for the dataflow stages.
 *
 * Invariant: the same inputs give the same output on every machine and every replay, so a re-processed record
 * produces the same ids (downstream consumers and compacted topics can dedupe on them) and the same sampling
 * decision (two replicas of a scenario never disagree on whether a persona was sampled).
 */

/** Hex SHA-256 of the parts joined by a separator that cannot occur in them (U+001F, unit separator). */
export function stableHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u001f')).digest('hex');
}

/** A short stable id (128 bits of SHA-256, hex): plenty for uniqueness, short enough for keys and logs. */
export function stableId(...parts: string[]): string {
  return stableHash(...parts).slice(0, 32);
}

/**
 * A number in [0, 1) determined by the parts: the first 48 bits of their SHA-256 divided by 2^48.
 * Used for per-scenario sampling: `unitInterval(personaId, scenario) < rate`.
 */
export function unitInterval(...parts: string[]): number {
  const hex = stableHash(...parts).slice(0, 12);
  return Number.parseInt(hex, 16) / 2 ** 48;
}
