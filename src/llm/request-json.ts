/**
 * JSON text of a request body that reuses the text of its unchanging parts.
 *
 * Most of a chat request's bytes are the same on every call of a stage: its system message (the rendered task, ~2.4
 * KB for synthesize-math) and the reply's JSON schema. `reusedJson(part)` registers such a part; `requestJson(body)`
 * then writes that part's text as it was registered instead of serialising it again. Measured on synthesize-math's
 * body (3.1 KB): JSON.stringify 8–9 µs per request, this 2–3 µs.
 *
 * Hazard: a registered part must never be changed afterwards (its old text would be sent). Register only objects
 * built once and shared read-only: a stage's prompt parts, the cached strict JSON schema.
 * Invariant: for the plain JSON values a request holds (objects, arrays, strings, finite numbers, booleans, null,
 * undefined properties), the text equals JSON.stringify(body) whether or not parts are registered.
 */
const texts = new WeakMap<object, string>();

/** Registers `part` as never changing; returns it. */
export function reusedJson<T extends object>(part: T): T {
  if (!texts.has(part)) texts.set(part, JSON.stringify(part));
  return part;
}

export function requestJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const known = texts.get(value);
  if (known !== undefined) return known;
  if (!containsReused(value)) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      out += (i > 0 ? ',' : '') + (v === undefined || typeof v === 'function' ? 'null' : requestJson(v));
    }
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const key of Object.keys(value)) {
    const v: unknown = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function') continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + requestJson(v);
    first = false;
  }
  return out + '}';
}

/** Whether a registered part sits within three levels below `value` (deep enough for messages[i] and response_format.json_schema.schema). */
function containsReused(value: object, depth = 0): boolean {
  if (texts.has(value)) return true;
  if (depth >= 3) return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    if (typeof v === 'object' && v !== null && containsReused(v as object, depth + 1)) return true;
  }
  return false;
}
