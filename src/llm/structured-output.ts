import type { ChatMessage } from './types.js';

/**
 * How a structured reply is asked for, per endpoint (`llm.structuredOutput`):
 *   json_schema         response_format {type: json_schema, json_schema: {name, schema, strict}} (OpenAI, vLLM, Ollama, llama-server)
 *   json_object_schema  response_format {type: json_object, schema} (llama-cpp-python's server and llama-server: the
 *                       schema becomes a grammar)
 *   json_object         response_format {type: json_object}; the schema travels in the prompt
 *   prompt              no response_format; the schema travels in the prompt and the reply is repaired if fenced
 *   auto                probe the endpoint once, in the order above, and keep the first mode that works
 * Whatever the mode, every reply is parsed by `extractJson` and validated with zod by the client.
 */
export const STRUCTURED_MODES = ['json_schema', 'json_object_schema', 'json_object', 'prompt'] as const;
export type StructuredMode = (typeof STRUCTURED_MODES)[number];
export type StructuredSetting = StructuredMode | 'auto';

type Json = Record<string, unknown>;

/** The request fields for one mode: the response_format to send (if any) and the messages to send. */
export function structuredRequest(
  mode: StructuredMode,
  name: string,
  jsonSchema: Json,
  messages: ChatMessage[],
): { response_format?: Json; messages: ChatMessage[] } {
  switch (mode) {
    case 'json_schema':
      return { response_format: { type: 'json_schema', json_schema: { name, schema: jsonSchema, strict: true } }, messages };
    case 'json_object_schema':
      // The grammar enforces the shape; the hint tells the model what the fields mean.
      return { response_format: { type: 'json_object', schema: jsonSchema }, messages: withSchemaHint(messages, jsonSchema) };
    case 'json_object':
      return { response_format: { type: 'json_object' }, messages: withSchemaHint(messages, jsonSchema) };
    case 'prompt':
      return { messages: withSchemaHint(messages, jsonSchema) };
  }
}

/** The line that carries the schema in the prompt (also how the simulator finds it). */
export const SCHEMA_HINT_PREFIX = 'Reply with only one JSON object, no code fences and no other text, that satisfies this JSON Schema: ';

/**
 * Append the schema to the first system message (or add one). Instructions stay in the system turn; untrusted
 * text stays in the user turns where the stages put it.
 */
export function withSchemaHint(messages: ChatMessage[], jsonSchema: Json): ChatMessage[] {
  const hint = `${SCHEMA_HINT_PREFIX}${JSON.stringify(jsonSchema)}`;
  const i = messages.findIndex((m) => m.role === 'system');
  if (i < 0) return [{ role: 'system', content: hint }, ...messages];
  return messages.map((m, j) => (j === i ? { ...m, content: `${m.content}\n\n${hint}` } : m));
}

export type Extracted = { ok: true; value: unknown; repaired: 'none' | 'fence' | 'embedded' } | { ok: false; reason: string };

/**
 * The JSON value of a reply. Repairs only what is unambiguous:
 *   - the whole reply is JSON                                   → as is
 *   - exactly one ``` fenced block (```json or bare) holds JSON  → its content
 *   - exactly one top-level {...} object in chatty text parses   → that object
 * Anything else (no JSON, two candidate objects, two fenced blocks) is not guessed at: the caller re-asks.
 */
export function extractJson(content: string): Extracted {
  const text = content.trim();
  const whole = tryParse(text);
  if (whole.ok) return { ok: true, value: whole.value, repaired: 'none' };
  const fences = [...text.matchAll(/```[A-Za-z0-9_-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```/g)];
  if (fences.length === 1) {
    const inner = tryParse(fences[0]![1]!.trim());
    if (inner.ok) return { ok: true, value: inner.value, repaired: 'fence' };
  }
  if (fences.length > 1) return { ok: false, reason: `${fences.length} fenced blocks, cannot tell which is the answer` };
  const objects = topLevelObjects(text);
  if (objects.length === 1) return { ok: true, value: objects[0], repaired: 'embedded' };
  if (objects.length > 1) return { ok: false, reason: `${objects.length} JSON objects in the reply, cannot tell which is the answer` };
  return { ok: false, reason: 'not valid JSON' };
}

function tryParse(s: string): { ok: true; value: unknown } | { ok: false } {
  if (s === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(s) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Every balanced {...} span at nesting depth 0 (string-aware) that parses as a JSON object. */
function topLevelObjects(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"' && depth > 0) inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const p = tryParse(text.slice(start, i + 1));
        if (p.ok) out.push(p.value);
      }
    }
  }
  return out;
}
