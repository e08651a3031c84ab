import { createHash } from 'node:crypto';

/**
 * Text normalisation shared by every filter and by persona ids.
 *
 * Invariant: `normalize` is idempotent and depends only on the input string (no locale, no config), so ids and
 * exact hashes computed by different processes, versions and machines agree. Changing it is a migration: every
 * stored id and changelog entry was computed with it.
 *
 * Steps: Unicode NFKC (full-width and ligature forms fold), lower case, apostrophes inside words removed
 * ("nurse's" -> "nurses"), every other character that is not a letter, digit or mark becomes a space, runs of
 * whitespace collapse to one space, trimmed.
 */
const APOSTROPHES = /(?<=[\p{L}\p{N}])['\u2019\u02bc](?=[\p{L}\p{N}])/gu;
const NON_WORD = /[^\p{L}\p{N}\p{M}]+/gu;
const NON_ASCII = /[^\x00-\x7f]/;
const ASCII_APOSTROPHE = /(?<=[a-z0-9])'(?=[a-z0-9])/g;
const ASCII_NON_WORD = /[^a-z0-9]+/g;

export function normalize(text: string): string {
  // Fast path with the same result: NFKC leaves ASCII unchanged, and in lower-case ASCII the Unicode classes
  // reduce to [a-z0-9].
  if (!NON_ASCII.test(text)) return text.toLowerCase().replace(ASCII_APOSTROPHE, '').replace(ASCII_NON_WORD, ' ').trim();
  return text.normalize('NFKC').toLowerCase().replace(APOSTROPHES, '').replace(NON_WORD, ' ').trim();
}

/** Word tokens of the normalised text (the "word 1-grams" of MinHash and the base of SimHash shingles). */
export function words(text: string): string[] {
  const n = normalize(text);
  return n === '' ? [] : n.split(' ');
}

/** The distinct words: MinHash and exact Jaccard work on sets. */
export function wordSet(text: string): Set<string> {
  return new Set(words(text));
}

/**
 * Exact-duplicate key: SHA-256 of the normalised text, first 128 bits as 32 hex characters.
 * Two texts that differ only in case, punctuation, whitespace or Unicode compatibility forms share it.
 */
export function exactKey(text: string): string {
  return createHash('sha256').update(normalize(text), 'utf8').digest('hex').slice(0, 32);
}

/**
 * The stable id of a persona: the exact-duplicate key of its text, so the same persona text has the same id
 * wherever and whenever it was found (Persona.id in src/contracts/persona.ts). 128 bits: at 10^9 personas the
 * chance of any collision is about 10^-21.
 */
export function personaId(text: string): string {
  return exactKey(text);
}
