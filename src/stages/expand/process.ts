import { gateOf } from '../gate.js';
import { filtered, type Stage, type StageDeps, type StageOutput } from '../../runtime/stage.js';
import type { ExpandConfig } from './spec.js';
import { Persona, type PersonaAttributes } from '../../contracts/persona.js';
import { cleanAttributes } from '../attributes.js';
import type { PersonaDiversity } from '../diversity/observe.js';
import { normalize, personaId } from '../../dedup/index.js';
import { DATAFLOW_TOPICS } from '../topics.js';
import { childBudgets } from './budget.js';
import { singleWordPersona } from '../persona-words.js';
import { EXPAND_PROMPT, expandMessages, expandReplySchema } from './prompt.js';

export const EXPAND_STAGE = 'expand';

/**
 * Persona-to-Persona: every unique persona below maxHops with budget left asks the LLM for up to fanOut related
 * personas and writes them to personas.candidates at hop + 1. The loop closes through dedup (candidates → unique),
 * so a persona that was seen before never fans out again. Personas at maxHops or with no budget are filtered.
 * A persona without a budget field (written by an older extract) gets the whole per-document budget.
 */
export function createExpandStage(cfg: ExpandConfig, deps: StageDeps & { diversity?: PersonaDiversity }): Stage<Persona> {
  const out = DATAFLOW_TOPICS.candidates;
  return {
    name: EXPAND_STAGE,
    input: { topic: DATAFLOW_TOPICS.unique, schema: Persona },
    outputs: { [out]: Persona },
    ordering: 'unordered',
    ...gateOf(deps, EXPAND_STAGE),
    async process(parent, ctx) {
      // Every unique persona passes here once (first attempt only, so an LLM retry does not count it twice).
      if (ctx.attempt === 1) deps.diversity?.observe(parent);
      if (parent.hop >= cfg.maxHops) return filtered('max_hop');
      const budgets = childBudgets(parent.budget ?? cfg.maxPersonasPerDocument, cfg.fanOut);
      if (budgets.length === 0) return filtered('budget_exhausted');
      const res = await deps.llm.complete({
        stage: EXPAND_STAGE,
        messages: expandMessages(cfg, parent.text, budgets.length),
        schema: expandReplySchema,
        schemaName: 'related_personas',
        // A single word is not a persona: the reply is re-asked, and dead-lettered if it stays so.
        check: (reply) => singleWordPersona(reply.related, 'related'),
        signal: ctx.signal,
      });
      const seen = new Set<string>([parent.id]);
      const children: Array<{ id: string; text: string; relation: string; attributes: PersonaAttributes | undefined }> = [];
      for (const r of res.value.related) {
        const text = r.persona.trim();
        if (normalize(text) === '') continue;
        const id = personaId(text);
        if (seen.has(id)) continue;
        seen.add(id);
        children.push({ id, text, relation: r.relation.trim().toLowerCase() || 'related', attributes: cleanAttributes(r.attributes) });
        if (children.length >= budgets.length) break;
      }
      if (children.length === 0) return filtered('no_result');
      const createdAt = new Date().toISOString();
      return children.map((c, i): StageOutput => {
        const persona: Persona = {
          id: c.id,
          text: c.text,
          hop: parent.hop + 1,
          perspective: 'relation',
          relation: c.relation,
          parentId: parent.id,
          rootDocId: parent.rootDocId,
          rootUrl: parent.rootUrl,
          budget: budgets[i] ?? 0,
          provenance: {
            stage: EXPAND_STAGE,
            model: res.model,
            simulated: res.simulated,
            promptId: EXPAND_PROMPT.id,
            promptVersion: EXPAND_PROMPT.version,
            params: { ...res.params, fanOut: cfg.fanOut, maxHops: cfg.maxHops, personasInCall: children.length },
            usage: res.usage,
            createdAt,
            ...(res.cache ? { cache: res.cache } : {}),
          },
          ...(c.attributes ? { attributes: c.attributes } : {}),
        };
        return { topic: out, key: c.id, value: persona };
      });
    },
  };
}
