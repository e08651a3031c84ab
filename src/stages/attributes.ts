import { z } from 'zod';
import { EXPERTISE_LEVELS, type PersonaAttributes } from '../contracts/persona.js';

/**
 * Persona attributes as extract and expand ask the LLM for them, and how a reply becomes the contract's
 * PersonaAttributes. The reply schema is lenient on purpose: every field optional (strict structured outputs send
 * them as required-but-nullable; a model without schema support may leave them out), plain strings rather than
 * enums, so that a reply with odd attributes never fails the persona it describes. `cleanAttributes` then keeps
 * only what is usable: trimmed non-empty strings, at most 8 distinct interests, an expertise level mapped onto
 * EXPERTISE_LEVELS (or dropped), and no `attributes` at all when nothing is left.
 */
export const AttributesReply = z.object({
  occupation: z.string().optional().describe('Their role or job in a few words'),
  domain: z.string().optional().describe('The field they work or think in, in a few words (e.g. "accounting", "marine biology")'),
  interests: z.array(z.string()).optional().describe('Up to five topics they care about, a few words each'),
  expertise: z.string().optional().describe('How much they know of their field: novice, intermediate or expert'),
  region: z.string().optional().describe('Country or region, only if the text states or clearly implies it, else null'),
  language: z.string().optional().describe('Language they use, only if the text states or clearly implies it, else null'),
});
export type AttributesReply = z.infer<typeof AttributesReply>;

/** Words a model may use for each level (lower case); anything else is dropped rather than guessed. */
const LEVEL_WORDS: Record<(typeof EXPERTISE_LEVELS)[number], string[]> = {
  novice: ['novice', 'beginner', 'layperson', 'lay', 'amateur', 'basic', 'newcomer', 'low'],
  intermediate: ['intermediate', 'moderate', 'medium', 'competent', 'practitioner', 'some'],
  expert: ['expert', 'advanced', 'professional', 'specialist', 'high', 'master', 'senior'],
};

export function expertiseLevel(s: string | undefined): PersonaAttributes['expertise'] {
  const w = s?.trim().toLowerCase();
  if (!w) return undefined;
  for (const level of EXPERTISE_LEVELS) if (LEVEL_WORDS[level].some((x) => w === x || w.startsWith(`${x} `))) return level;
  return undefined;
}

const UNSTATED = /^(?:n\/?a|none|null|unknown|unspecified|not stated|not specified|-)$/i;
const text = (s: string | undefined, max = 120): string | undefined => {
  const t = s?.trim().replace(/\s+/g, ' ');
  return t && !UNSTATED.test(t) ? t.slice(0, max) : undefined;
};

export function cleanAttributes(reply: AttributesReply | undefined): PersonaAttributes | undefined {
  if (!reply) return undefined;
  const interests = [...new Set((reply.interests ?? []).map((i) => text(i, 80)).filter((i): i is string => i !== undefined))].slice(0, 8);
  const out: PersonaAttributes = {};
  const set = <K extends keyof PersonaAttributes>(k: K, v: PersonaAttributes[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('occupation', text(reply.occupation));
  set('domain', text(reply.domain));
  if (interests.length > 0) out.interests = interests;
  set('expertise', expertiseLevel(reply.expertise));
  set('region', text(reply.region));
  set('language', text(reply.language));
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The instruction both prompts add about attributes (one wording, so extract and expand describe them alike). */
export const ATTRIBUTES_GUIDE =
  'For each persona also fill "attributes": occupation, domain (their field), up to five interests, expertise ' +
  '(novice, intermediate or expert in their domain), and region and language only when the text states or ' +
  'clearly implies them; use null for anything you would have to invent.';
