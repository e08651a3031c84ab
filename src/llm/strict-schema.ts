import { z } from 'zod';
import { fatal } from '../errors.js';
import { reusedJson } from './request-json.js';

/**
 * zod schema → JSON Schema accepted by OpenAI-style strict structured outputs.
 *
 * Strict mode wants every object closed (`additionalProperties: false`) with every property listed in
 * `required`, and rejects some keywords. So: optional properties become required-but-nullable (and `dropNulls`
 * turns those nulls back into absent keys before zod validates the reply), unsupported keywords are removed
 * (zod re-checks them on the reply anyway, so nothing is lost), and `$schema` is dropped.
 */
type Json = { [k: string]: unknown };

/** Keywords strict mode does not accept; the reply is still validated against the full zod schema. */
const UNSUPPORTED = new Set(['$schema', 'minLength', 'maxLength', 'default', 'examples', 'propertyNames', 'unevaluatedProperties', 'contentEncoding', 'contentMediaType']);

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function nullable(s: Json): Json {
  if (s['type'] === 'null') return s;
  if (Array.isArray(s['anyOf']) && (s['anyOf'] as Json[]).some((b) => b['type'] === 'null')) return s;
  return { anyOf: [s, { type: 'null' }] };
}

function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (!isObj(node)) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (UNSUPPORTED.has(k)) continue;
    if (k === 'properties' && isObj(v)) {
      const props: Json = {};
      for (const [pk, pv] of Object.entries(v)) props[pk] = strictify(pv);
      out[k] = props;
    } else if (k === '$defs' && isObj(v)) {
      const defs: Json = {};
      for (const [dk, dv] of Object.entries(v)) defs[dk] = strictify(dv);
      out[k] = defs;
    } else out[k] = strictify(v);
  }
  if (out['type'] === 'object' || isObj(out['properties'])) {
    const props = (out['properties'] ?? {}) as Json;
    const required = new Set(Array.isArray(node['required']) ? (node['required'] as string[]) : []);
    for (const key of Object.keys(props)) if (!required.has(key)) props[key] = nullable(props[key] as Json);
    out['properties'] = props;
    out['required'] = Object.keys(props);
    out['additionalProperties'] = false;
  }
  return out;
}

export interface StrictSchema {
  /** Sent as `response_format.json_schema.schema` with `strict: true`. */
  jsonSchema: Json;
  /** The schema as zod describes it (optional keys not required), used to undo the nullable transform. */
  original: Json;
}

const cache = new WeakMap<z.ZodType, StrictSchema>();

export function strictJsonSchema(schema: z.ZodType): StrictSchema {
  const hit = cache.get(schema);
  if (hit) return hit;
  const original = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'output' }) as Json;
  // Structured-output endpoints require an object at the root; a stage asking for anything else is a bug.
  if (original['type'] !== 'object') throw fatal('config_invalid', 'structured output schemas must have an object at the root');
  // Sent with every request of the schema's stage, never changed: its JSON text is written once (request-json.ts).
  const made = { jsonSchema: reusedJson(strictify(original) as Json), original };
  cache.set(schema, made);
  return made;
}

function resolveRef(s: Json, root: Json): Json {
  const ref = s['$ref'];
  if (typeof ref !== 'string') return s;
  const m = /^#\/\$defs\/(.+)$/.exec(ref);
  return m ? ((root['$defs'] as Json | undefined)?.[m[1]!] as Json | undefined) ?? {} : ref === '#' ? root : {};
}

/**
 * Undo strictify on a reply: where the original schema had an optional property and the model sent null, remove
 * the key, so `z.optional()` fields validate. Nulls of fields that are nullable in zod itself are kept.
 */
export function dropNulls(value: unknown, schemaIn: Json, root: Json = schemaIn): unknown {
  const schema = resolveRef(schemaIn, root);
  if (Array.isArray(value)) {
    const items = schema['items'];
    return isObj(items) ? value.map((v) => dropNulls(v, items, root)) : value;
  }
  if (!isObj(value)) return value;
  const branches = (schema['anyOf'] ?? schema['oneOf']) as Json[] | undefined;
  if (Array.isArray(branches)) {
    const objectBranch = branches.map((b) => resolveRef(b, root)).find((b) => b['type'] === 'object' || isObj(b['properties']));
    return objectBranch ? dropNulls(value, objectBranch, root) : value;
  }
  const props = schema['properties'];
  if (!isObj(props)) return value;
  const required = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null && !required.has(k) && !acceptsNull(props[k] as Json | undefined, root)) continue;
    out[k] = isObj(props[k]) ? dropNulls(v, props[k] as Json, root) : v;
  }
  return out;
}

function acceptsNull(s: Json | undefined, root: Json): boolean {
  if (!s) return false;
  const r = resolveRef(s, root);
  if (r['type'] === 'null' || (Array.isArray(r['type']) && (r['type'] as unknown[]).includes('null'))) return true;
  const branches = (r['anyOf'] ?? r['oneOf']) as Json[] | undefined;
  return Array.isArray(branches) && branches.some((b) => acceptsNull(b, root));
}
