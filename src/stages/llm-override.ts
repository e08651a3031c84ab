import { z } from 'zod';

/**
 * Per-stage (or per-scenario) override of the LLM model and sampling parameters; unset fields fall back to the
 * `llm` section. Kept in one place so every stage spec offers the same knobs under the same names.
 */
export const LlmOverride = z
  .object({
    model: z.string().optional().describe('Chat model for this stage; default: llm.model'),
    temperature: z.number().min(0).max(2).optional().describe('Sampling temperature; default: llm.params.temperature'),
    top_p: z.number().min(0).max(1).optional(),
    max_tokens: z.number().int().positive().optional().describe('Upper bound on reply tokens'),
  })
  .default({});
export type LlmOverride = z.infer<typeof LlmOverride>;

/** The `params` of an LLM request from an override (only the fields that are set). */
export function requestParams(o: LlmOverride): { temperature?: number; top_p?: number; max_tokens?: number } {
  const p: { temperature?: number; top_p?: number; max_tokens?: number } = {};
  if (o.temperature !== undefined) p.temperature = o.temperature;
  if (o.top_p !== undefined) p.top_p = o.top_p;
  if (o.max_tokens !== undefined) p.max_tokens = o.max_tokens;
  return p;
}
