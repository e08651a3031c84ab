import { hash32 } from './rng.js';
import { capitalize } from './text.js';

/**
 * Fill a JSON Schema with a deterministic, schema-valid value built from salient terms of the prompt.
 *
 * The walk honours type, enum/const, anyOf/oneOf (first non-null branch), $ref into $defs/definitions, required
 * properties, minItems/maxItems, minimum/maximum, minLength/maxLength and — for the patterns our contracts use —
 * pattern. Property names pick the kind of text: a `persona` or `text` field gets "A <role> who <verb> <t1>, <t2>
 * and <t3>", a `function_name` a snake_case identifier, a `title` a title, and so on. Array item i rotates the
 * terms by i, so items differ from each other while staying tied to the input.
 */
export type JsonSchema = { [k: string]: unknown };

export const ROLES = [
  'teacher', 'software engineer', 'nurse', 'historian', 'urban planner', 'journalist', 'data analyst', 'chef',
  'civil engineer', 'librarian', 'pharmacist', 'economist', 'park ranger', 'graphic designer', 'social worker',
  'mechanic', 'biologist', 'lawyer', 'farmer', 'musician', 'architect', 'accountant', 'electrician', 'translator',
  'museum curator', 'paramedic', 'game developer', 'veterinarian', 'product manager', 'geologist', 'photographer',
  'sports coach', 'midwife', 'carpenter', 'policy advisor', 'astronomer', 'small business owner', 'union organiser',
  'retired pilot', 'graduate student',
];
const VERBS = [
  'writes about', 'studies', 'teaches', 'reports on', 'builds tools for', 'organises events around',
  'advises clients on', 'researches', 'campaigns on', 'collects stories about', 'runs workshops on',
  'cares deeply about', 'debates', 'photographs', 'maps', 'keeps records of',
];
/** The field of each simulated role (what persona attributes report as `domain`). */
const DOMAINS: Record<string, string> = {
  teacher: 'education', 'software engineer': 'software engineering', nurse: 'healthcare', historian: 'history',
  'urban planner': 'urban planning', journalist: 'journalism', 'data analyst': 'statistics and data analysis',
  chef: 'culinary arts', 'civil engineer': 'civil engineering', librarian: 'library science', pharmacist: 'pharmacy',
  economist: 'economics', 'park ranger': 'conservation', 'graphic designer': 'visual design', 'social worker': 'social care',
  mechanic: 'vehicle repair', biologist: 'biology', lawyer: 'law', farmer: 'agriculture', musician: 'music',
  architect: 'architecture', accountant: 'accounting and finance', electrician: 'electrical installation',
  translator: 'languages', 'museum curator': 'museum studies', paramedic: 'emergency medicine', 'game developer': 'game design',
  veterinarian: 'veterinary medicine', 'product manager': 'product management', geologist: 'geology',
  photographer: 'photography', 'sports coach': 'sport', midwife: 'maternity care', carpenter: 'woodworking',
  'policy advisor': 'public policy', astronomer: 'astronomy and physics', 'small business owner': 'small business finance',
  'union organiser': 'labour relations', 'retired pilot': 'aviation', 'graduate student': 'mathematics',
};
export const domainOf = (role: string): string => DOMAINS[role] ?? 'general knowledge';
const REGIONS = ['Northern Europe', 'West Africa', 'South Asia', 'Latin America', 'East Asia', 'North America', 'Oceania'];
const LANGUAGES = ['English', 'French', 'Spanish', 'Hindi', 'Portuguese', 'Japanese', 'Swahili'];
const RELATIONS = ['colleague', 'mentor', 'student', 'client', 'supplier', 'manager', 'competitor', 'patient', 'critic', 'collaborator'];
const FIRST_NAMES = ['Ada', 'Bao', 'Chidi', 'Dana', 'Elif', 'Farid', 'Greta', 'Hana', 'Ivo', 'Juno', 'Kofi', 'Lena', 'Mateo', 'Nia'];
const TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'];

export interface FillContext {
  terms: string[];
  /** Mixed into every choice: the simulator's seed and the request's seed. */
  seed: number;
  root: JsonSchema;
}

const pick = <T>(xs: readonly T[], h: number): T => xs[h % xs.length]!;
const rotate = (xs: string[], by: number) => xs.map((_, i) => xs[(i + by) % xs.length]!);

function listing(ts: string[]): string {
  if (ts.length === 1) return ts[0]!;
  return `${ts.slice(0, -1).join(', ')} and ${ts[ts.length - 1]}`;
}

function identifier(ts: string[]): string {
  const id = ts.slice(0, 2).join('_').toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z_]+/, '');
  return `get_${id || 'topic'}`;
}

/** Text for a string field, chosen by its name (and description) from the prompt's terms. */
function textFor(name: string, description: string, ts: string[], h: number, stable: number): string {
  const [a = 'topic', b = a, c = b] = ts;
  const key = name.toLowerCase();
  // Role and verb depend on one term each (not on the whole term list), so near-identical inputs keep them.
  const role = pick(ROLES, hash32(a, stable));
  const verb = pick(VERBS, hash32(b, stable));
  const persona = `${/^[aeiou]/.test(role) ? 'An' : 'A'} ${role} who ${verb} ${listing([a, b, c])}`;
  if (key.includes('persona') || key === 'text') return persona;
  if (key === 'function_name' || key.endsWith('_name') || key === 'identifier') return identifier([a, b]);
  if (key === 'name') return `${pick(FIRST_NAMES, hash32(a, stable))} ${capitalize(a)}`;
  if (key === 'relation') return pick(RELATIONS, hash32(a, stable));
  if (key === 'role' || key === 'occupation') return role;
  if (key === 'interests' || key === 'interest') return a;
  if (key === 'expertise') return pick(['novice', 'intermediate', 'expert'], h);
  if (key === 'domain' || key === 'field') return domainOf(role);
  if (key === 'region') return pick(REGIONS, h);
  if (key === 'language') return pick(LANGUAGES, h);
  if (key === 'type') return pick(TYPES, h);
  if (key === 'title') return `${capitalize(a)}, ${b} and ${c}: a practical guide`;
  if (key.includes('problem') || key.includes('question'))
    return `${persona}. Given ${(h % 90) + 10} records of ${a} and ${(h % 7) + 2} sites that handle ${b}, how many ${c} checks are needed per site?`;
  if (key.includes('solution') || key.includes('answer'))
    return `Divide the ${a} records evenly across the ${b} sites, then count one ${c} check per record. Answer: ${(h % 40) + 5}.`;
  if (key.includes('instruction') || key.includes('prompt') || key.includes('request'))
    return `Help me compare ${a} and ${b}, and draft a short plan for my work on ${c}.`;
  if (key.includes('article') || key.includes('backstory') || key.includes('content') || key.includes('body'))
    return `${persona}. Over the years they learned how ${a} shapes ${b}, and why ${c} matters to the people around them. This text is simulated.`;
  if (key.includes('interaction')) return `Greets players, trades tips on ${a} and offers a quest about ${b}.`;
  if (key.includes('description')) return `Looks up ${a} details related to ${b}.`;
  if (/\bpersona\b/i.test(description)) return persona;
  return `${capitalize(a)} ${b} ${c}`;
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema['$ref'];
  if (typeof ref !== 'string') return schema;
  const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (ref === '#') return root;
  if (!m) return {};
  const defs = root[m[1]!] as Record<string, JsonSchema> | undefined;
  return defs?.[decodeURIComponent(m[2]!)] ?? {};
}

function typeOf(schema: JsonSchema): string | undefined {
  const t = schema['type'];
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') as string | undefined) ?? 'null';
  if (schema['properties']) return 'object';
  if (schema['items']) return 'array';
  return undefined;
}

function fitString(s: string, schema: JsonSchema, ts: string[]): string {
  let out = s;
  const pattern = typeof schema['pattern'] === 'string' ? new RegExp(schema['pattern']) : undefined;
  if (pattern && !pattern.test(out)) out = identifier(ts);
  if (pattern && !pattern.test(out)) out = 'x';
  const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : undefined;
  const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  if (max !== undefined && out.length > max) out = out.slice(0, max);
  while (out.length < min) out += 'x';
  return out;
}

export function fillSchema(schemaIn: JsonSchema, ctx: FillContext, path = '', index = 0): unknown {
  const schema = resolve(schemaIn, ctx.root);
  const name = path.split('.').pop() ?? '';
  const ts = rotate(ctx.terms, index);
  // Choices hash only the leading terms, so inputs that differ in their long tail still get the same reply.
  const stable = hash32(`${path}#${index}`, ctx.seed);
  const h = hash32(ts.slice(0, 3).join(' '), stable);
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) {
    // Item i of an array takes the i-th value (offset by the hash), so lists of labelled items vary their labels.
    const e = schema['enum'] as unknown[];
    return e[(index + (hash32(path, ctx.seed) % e.length)) % e.length];
  }
  const branches = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) {
    const branch = branches.find((b) => typeOf(resolve(b, ctx.root)) !== 'null') ?? branches[0]!;
    return fillSchema(branch, ctx, path, index);
  }
  if (Array.isArray(schema['allOf']) && schema['allOf'].length > 0) return fillSchema(schema['allOf'][0] as JsonSchema, ctx, path, index);
  switch (typeOf(schema)) {
    case 'object': {
      const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
      const out: Record<string, unknown> = {};
      for (const [k, sub] of Object.entries(props)) out[k] = fillSchema(sub, ctx, path ? `${path}.${k}` : k, index);
      return out;
    }
    case 'array': {
      const items = (schema['items'] ?? {}) as JsonSchema;
      const min = typeof schema['minItems'] === 'number' ? schema['minItems'] : 0;
      const max = typeof schema['maxItems'] === 'number' ? schema['maxItems'] : Math.max(min, 3);
      const n = Math.min(max, Math.max(min, 1 + (h % 3)));
      return Array.from({ length: n }, (_, i) => fillSchema(items, ctx, path, index + i));
    }
    case 'string': {
      const description = typeof schema['description'] === 'string' ? schema['description'] : '';
      return fitString(textFor(name, description, ts, h, stable), schema, ts);
    }
    case 'integer':
    case 'number': {
      const lo = typeof schema['minimum'] === 'number' ? schema['minimum'] : 0;
      const hi = typeof schema['maximum'] === 'number' ? schema['maximum'] : lo + 100;
      const v = lo + (h % (Math.floor(hi - lo) + 1));
      return typeOf(schema) === 'integer' ? Math.ceil(v) : v;
    }
    case 'boolean':
      return h % 2 === 0;
    case 'null':
      return null;
    default:
      return textFor(name, '', ts, h, stable);
  }
}
