import { gateOf } from '../gate.js';
import { filtered, type Stage, type StageDeps, type StageOutput } from '../../runtime/stage.js';
import type { Config } from '../../config/schema.js';
import { WebDocument } from '../../contracts/web-document.js';
import { Persona, type PersonaAttributes } from '../../contracts/persona.js';
import { cleanAttributes } from '../attributes.js';
import { normalize, personaId } from '../../dedup/index.js';
import { DATAFLOW_TOPICS } from '../topics.js';
import { hop0Budget } from '../expand/budget.js';
import { EXTRACT_PROMPT, extractMessages, extractReplySchema } from './prompt.js';
import type { ExtractConfig } from './spec.js';
import { pageCopyFinder } from './page-copy.js';
import { singleWordPersona } from '../persona-words.js';

export const EXTRACT_STAGE = 'extract';

/**
 * Cut text to the character budget and the (estimated) token budget, whichever is smaller, at a word boundary
 * when one is near. Returns the text and whether it was cut.
 */
export function truncateText(text: string, cfg: Pick<ExtractConfig, 'maxInputChars' | 'maxInputTokens'>) {
  const limit = Math.min(cfg.maxInputChars, cfg.maxInputTokens * 4);
  if (text.length <= limit) return { text, truncated: false };
  const cut = text.slice(0, limit);
  const lastSpace = cut.search(/\s\S*$/);
  // Only back off to a word boundary if it costs little (a very long "word" would otherwise empty the text).
  return { text: lastSpace > limit * 0.8 ? cut.slice(0, lastSpace) : cut, truncated: true };
}

/**
 * Text-to-Persona: one LLM call per document asks for personas from the configured perspectives; each distinct
 * persona becomes a hop-0 candidate on personas.candidates, keyed by its id. Too-short documents are filtered
 * (no LLM call). The per-document expansion budget is split among the hop-0 personas here (see expand/budget.ts).
 */
/**
 * Extract's config: its own section, plus the per-document expansion budget it splits among hop-0 personas (a
 * setting of the expand section, where the budget is spent). Selected here, in one place, for the factory and tests.
 */
export type ExtractStageConfig = ExtractConfig & { maxPersonasPerDocument: number };
export const extractStageConfig = (config: Pick<Config, 'stages'>): ExtractStageConfig => ({
  ...config.stages.extract,
  maxPersonasPerDocument: config.stages.expand.maxPersonasPerDocument,
});

/**
 * Why a reply's personas are unusable, or undefined when all are usable: one is a single word (persona-words.ts),
 * or pastes a passage of the page (page-copy.ts).
 */
export function unfitPersona(personas: ReadonlyArray<{ persona: string }>, page: string): string | undefined {
  const oneWord = singleWordPersona(personas, 'personas');
  if (oneWord !== undefined) return oneWord;
  const pasted = pageCopyFinder(page);
  for (const [i, p] of personas.entries()) {
    const passage = pasted(p.persona);
    if (passage !== undefined)
      return (
        `personas.${i}.persona repeats the document word for word ("${passage} …"); a persona describes a kind of ` +
        'person who would read or write the document, in your own words'
      );
  }
  return undefined;
}

export function createExtractStage(cfg: ExtractStageConfig, deps: StageDeps): Stage<WebDocument> {
  const maxPerDoc = cfg.maxPersonasPerDocument;
  const replySchema = extractReplySchema(cfg);
  const out = DATAFLOW_TOPICS.candidates;
  return {
    name: EXTRACT_STAGE,
    input: { topic: DATAFLOW_TOPICS.uniqueDocuments, schema: WebDocument },
    outputs: { [out]: Persona },
    ordering: 'unordered',
    ...gateOf(deps, EXTRACT_STAGE),
    async process(doc, ctx) {
      const trimmed = doc.text.trim();
      if (trimmed.length < cfg.minTextChars) return filtered('too_short');
      const { text, truncated } = truncateText(trimmed, cfg);
      const res = await deps.llm.complete({
        stage: EXTRACT_STAGE,
        messages: extractMessages(cfg, { url: doc.url, text }),
        schema: replySchema,
        schemaName: 'personas',
        // A single word or a pasted passage is not a persona: the reply is re-asked, and dead-lettered if it stays so.
        check: (reply) => unfitPersona(reply.personas, text),
        signal: ctx.signal,
      });
      // The same persona text under two perspectives is one persona: keep the first, by id.
      const seen = new Set<string>();
      const picked: Array<{ id: string; text: string; perspective: Persona['perspective']; attributes: PersonaAttributes | undefined }> = [];
      for (const p of res.value.personas) {
        const text = p.persona.trim();
        if (normalize(text) === '') continue;
        const id = personaId(text);
        if (seen.has(id)) continue;
        seen.add(id);
        picked.push({ id, text, perspective: p.perspective, attributes: cleanAttributes(p.attributes) });
        if (picked.length >= cfg.maxPersonas) break;
      }
      if (picked.length === 0) return filtered('no_result');
      const budgets = hop0Budget(maxPerDoc, picked.length);
      const createdAt = new Date().toISOString();
      return picked.map((p, i): StageOutput => {
        const persona: Persona = {
          id: p.id,
          text: p.text,
          hop: 0,
          perspective: p.perspective,
          relation: null,
          parentId: null,
          rootDocId: doc.id,
          rootUrl: doc.url,
          budget: budgets[i] ?? 0,
          provenance: {
            stage: EXTRACT_STAGE,
            model: res.model,
            simulated: res.simulated,
            promptId: EXTRACT_PROMPT.id,
            promptVersion: EXTRACT_PROMPT.version,
            params: { ...res.params, specificity: cfg.specificity, truncated, personasInCall: picked.length },
            usage: res.usage,
            createdAt,
            ...(res.cache ? { cache: res.cache } : {}),
          },
          ...(p.attributes ? { attributes: p.attributes } : {}),
        };
        return { topic: out, key: p.id, value: persona };
      });
    },
  };
}
