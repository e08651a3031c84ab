import { hash32 } from './rng.js';
import { fillSchema, type JsonSchema } from './schema-fill.js';
import { CompatOptions } from './options.js';
import { estimateTokens, salientTerms } from './text.js';
import { SIM_MODEL_PREFIX } from './labels.js';
import { MathSimOptions, shapeMath } from './math.js';
import { shapeAttributes } from './attributes.js';

/**
 * The content of a simulated chat completion: a pure function of the request and the simulator seed.
 * The reply is derived from the user messages that precede the first assistant message (a re-ask after a
 * malformed reply appends messages, but asks for the same thing and gets the same answer).
 */
export interface ChatRequestBody {
  model?: string;
  messages?: Array<{ role?: string; content?: unknown }>;
  response_format?: { type?: string; json_schema?: { name?: string; schema?: JsonSchema } };
  seed?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
}


/** Every reply names a simulator model, whatever was asked for. */
export function replyModel(requested: string | undefined): string {
  if (!requested) return `${SIM_MODEL_PREFIX}-1`;
  return requested.startsWith(SIM_MODEL_PREFIX) ? requested : `${SIM_MODEL_PREFIX}-1:${requested}`;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('\n');
  return '';
}

export function promptText(body: ChatRequestBody): { user: string; all: string } {
  const msgs = body.messages ?? [];
  const firstAssistant = msgs.findIndex((m) => m.role === 'assistant');
  const asked = firstAssistant < 0 ? msgs : msgs.slice(0, firstAssistant);
  return {
    user: asked.filter((m) => m.role === 'user').map((m) => contentText(m.content)).join('\n'),
    all: msgs.map((m) => contentText(m.content)).join('\n'),
  };
}

export interface ChatContent {
  content: string;
  promptTokens: number;
  completionTokens: number;
  /** The schema's required top-level keys, for producing a schema-invalid reply on request. */
  structured: boolean;
  /** Set when the emulated server refuses the request's response_format (answered HTTP 500 with this message). */
  rejected?: string;
}

/** A JSON Schema the prompt carries on a line "… JSON Schema: {…}" (how clients describe the shape without a format). */
export function promptSchema(all: string): JsonSchema | undefined {
  const m = /JSON Schema: (\{.*\})[ \t]*$/m.exec(all);
  if (!m) return undefined;
  try {
    const v = JSON.parse(m[1]!) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonSchema) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The reply text, by what the (emulated) server does with the response_format:
 *   json_schema        honour: fill it | reject: HTTP 500 (llama-cpp-python) | ignore: as if unconstrained
 *   json_object        honour: bare JSON (of its `schema` field when jsonObjectSchema is honour, else of a schema in the
 *                      prompt, else {"text"}) | ignore: as if unconstrained
 *   none               a schema in the prompt is followed, rendered bare, ```json fenced or inside chatty text;
 *                      without one, a plain-text persona sentence
 */
export function chatContent(
  body: ChatRequestBody,
  simSeed: number,
  compat: CompatOptions = CompatOptions.parse({}),
  math: MathSimOptions = MathSimOptions.parse({}),
): ChatContent {
  const { user, all } = promptText(body);
  const terms = salientTerms(user);
  const rf = body.response_format;
  const schemaName = rf?.json_schema?.name ?? '';
  // The seed must not depend on the user text: near-identical inputs have to reach the same choices.
  const seed = hash32(`${schemaName}|${body.seed ?? ''}`, simSeed);
  const fill = (root: JsonSchema) => JSON.stringify(shapeAttributes(shapeMath(fillSchema(root, { terms, seed, root }), user, body.seed, math)));
  const promptTokens = estimateTokens(all) + 4 * (body.messages?.length ?? 0);
  const done = (content: string, structured: boolean): ChatContent => ({ content, promptTokens, completionTokens: Math.max(1, estimateTokens(content)), structured });
  const unconstrained = (): ChatContent => {
    const inPrompt = promptSchema(all);
    if (!inPrompt) return done(String(fillSchema({ type: 'string' }, { terms, seed, root: {} }, 'persona')), false);
    const json = fill(inPrompt);
    if (compat.unconstrained === 'fenced') return done('```json\n' + json + '\n```', false);
    if (compat.unconstrained === 'chatty') return done(`Sure! Here is the JSON you asked for:\n${json}\nLet me know if you need anything else.`, false);
    return done(json, true);
  };
  if (rf?.type === 'json_schema') {
    if (compat.jsonSchema === 'reject')
      return { ...done('', false), rejected: "1 validation error for CreateChatCompletionRequest: response_format.type: Input should be 'text' or 'json_object'" };
    if (compat.jsonSchema === 'honour' && rf.json_schema?.schema) return done(fill(rf.json_schema.schema), true);
    return unconstrained();
  }
  if (rf?.type === 'json_object') {
    if (compat.jsonObject === 'ignore') return unconstrained();
    const own = (rf as { schema?: unknown }).schema;
    if (compat.jsonObjectSchema === 'honour' && own && typeof own === 'object') return done(fill(own as JsonSchema), true);
    return done(fill(promptSchema(all) ?? { type: 'object', properties: { text: { type: 'string' } } }), true);
  }
  return unconstrained();
}

/** A broken reply: cut-off JSON, or well-formed JSON that satisfies no useful schema. */
export function malformed(content: string, kind: 'json' | 'schema'): string {
  if (kind === 'json') return content.slice(0, Math.max(1, Math.floor(content.length / 2)));
  return JSON.stringify({ simulated_malformed_reply: true });
}
