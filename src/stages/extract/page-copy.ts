import { passageFinder } from '../../util/word-runs.js';

/**
 * A "persona" that pastes a passage of its page is not a persona. Measured with the real 0.5B model
 * (bench/real-llm-quality.ts, README "Real models"): 40–48% of its personas are a piece of the page, from a product
 * name up to the whole 564-character recipe; a pasted passage then derails every scenario built on it (math replies
 * looped to max_tokens on such a persona). The extract stage re-asks a reply whose persona repeats a passage.
 *
 * A passage is COPY_RUN_WORDS or more consecutive words that also follow one another in the page (case and
 * punctuation ignored). Ten words is long enough that a description in the model's own words does not reach it by
 * chance (a role plus a quoted job title is 4–7 words) and short enough to catch a pasted sentence. Shorter verbatim
 * fragments ("OP", a product name) are not caught: the quality bench reports their share.
 */
export const COPY_RUN_WORDS = 10;

/** A finder of pasted passages of one page, shared by every persona of a reply (util/word-runs.ts). */
export const pageCopyFinder = (page: string, run: number = COPY_RUN_WORDS): ((text: string) => string | undefined) => passageFinder(page, run);

/** The first run of `run` consecutive words of `text` that also appears in `page`, or undefined. */
export const copiedPassage = (text: string, page: string, run: number = COPY_RUN_WORDS): string | undefined => pageCopyFinder(page, run)(text);
