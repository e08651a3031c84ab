import { hash32 } from './rng.js';
import { domainOf } from './schema-fill.js';

/**
 * Persona attributes in simulated replies (extract and expand ask for them beside each persona): made consistent
 * with the persona text they describe. The occupation is the role the simulated persona text names ("A <role>
 * who …") and the domain that role's field, so a routing filter on attributes selects by what the text says;
 * region and language are stated for about one persona in three (by a hash of its text), as a real model leaves
 * them out when the page does not say.
 */
export function shapeAttributes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeAttributes);
  if (!value || typeof value !== 'object') return value;
  const v = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, x]) => [k, shapeAttributes(x)]));
  const persona = v['persona'];
  const attrs = v['attributes'];
  if (typeof persona !== 'string' || !attrs || typeof attrs !== 'object' || Array.isArray(attrs)) return v;
  const role = /^An? (.+?) who /.exec(persona)?.[1];
  const stated = hash32(persona, 0x72656769) % 3 === 0;
  v['attributes'] = {
    ...(attrs as Record<string, unknown>),
    ...(role ? { occupation: role, domain: domainOf(role) } : {}),
    ...(stated ? {} : { region: null, language: null }),
  };
  return v;
}
