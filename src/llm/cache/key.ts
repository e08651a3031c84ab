import { createHash } from 'node:crypto';

/**
 * The content address of a chat call: SHA-256 over a canonical JSON of everything that determines the reply —
 * model, the messages as sent, the output contract (schema name + strict JSON Schema), and every sampling param
 * (temperature, top_p, max_tokens, seed, …). Keys of objects are sorted, so the same request always hashes the
 * same whatever order it was built in.
 *
 * Deliberately NOT in the key: the base URL (the same model behind a proxy or a second environment answers the
 * same call), the structured-output mode (how the schema is asked for, not what is asked; the reply is validated
 * against the same schema either way), timeouts and retry settings. Bump `CACHE_KEY_VERSION` when the meaning of
 * a stored reply changes (e.g. a change in how replies are parsed), so old entries stop matching.
 */
export const CACHE_KEY_VERSION = 1;

export interface CacheKeyInput {
  model: string;
  messages: ReadonlyArray<{ role: string; content: string }>;
  schemaName: string;
  jsonSchema: Record<string, unknown>;
  params: Record<string, unknown>;
}

export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`cache key: non-finite number ${v}`);
    return JSON.stringify(v) ?? 'null';
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

export function cacheKey(i: CacheKeyInput): string {
  const body = canonicalJson({
    v: CACHE_KEY_VERSION,
    kind: 'chat',
    model: i.model,
    messages: i.messages.map((m) => ({ role: m.role, content: m.content })),
    schemaName: i.schemaName,
    schema: i.jsonSchema,
    params: i.params,
  });
  return `v${CACHE_KEY_VERSION}:${createHash('sha256').update(body).digest('hex')}`;
}
