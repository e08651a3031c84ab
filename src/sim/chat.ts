import { hash32 } from './rng.js';
import { fillSchema, type JsonSchema } from './schema-fill.js';
import { estimateTokens, salientTerms } from './text.js';
import { SIM_MODEL_PREFIX } from './labels.js';

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
}

export function chatContent(body: ChatRequestBody, simSeed: number): ChatContent {
  const { user, all } = promptText(body);
  const terms = salientTerms(user);
  const rf = body.response_format;
  const schemaName = rf?.json_schema?.name ?? '';
  // The seed must not depend on the user text: near-identical inputs have to reach the same choices.
  const seed = hash32(`${schemaName}|${body.seed ?? ''}`, simSeed);
  let content: string;
  let structured = false;
  if (rf?.type === 'json_schema' && rf.json_schema?.schema) {
    const root = rf.json_schema.schema;
    content = JSON.stringify(fillSchema(root, { terms, seed, root }));
    structured = true;
  } else if (rf?.type === 'json_object') {
    content = JSON.stringify(fillSchema({ type: 'object', properties: { text: { type: 'string' } } }, { terms, seed, root: {} }));
    structured = true;
  } else {
    content = String(fillSchema({ type: 'string' }, { terms, seed, root: {} }, 'persona'));
  }
  return {
    content,
    promptTokens: estimateTokens(all) + 4 * (body.messages?.length ?? 0),
    completionTokens: Math.max(1, estimateTokens(content)),
    structured,
  };
}

/** A broken reply: cut-off JSON, or well-formed JSON that satisfies no useful schema. */
export function malformed(content: string, kind: 'json' | 'schema'): string {
  if (kind === 'json') return content.slice(0, Math.max(1, Math.floor(content.length / 2)));
  return JSON.stringify({ simulated_malformed_reply: true });
}
