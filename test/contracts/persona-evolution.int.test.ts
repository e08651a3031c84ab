import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Persona } from '../../src/contracts/persona.js';
import { toJsonSchema } from '../../src/registry/json-schemas.js';
import { registerSubject } from '../../src/registry/subjects.js';
import { createRegistryCodec } from '../../src/registry/codec.js';
import { randomPrefix, registry } from '../foundation/helpers.js';

/**
 * Persona attributes (issue #15) are a schema evolution of personas.candidates / personas.unique: the subject's
 * BACKWARD rule must accept the new schema over the one registered before attributes existed (fixture: the
 * committed schemas/persona.json of that version), and records written without attributes must still decode.
 */
const V1 = readFileSync(new URL('./fixtures/persona.v1.json', import.meta.url), 'utf8');
const old = {
  id: 'p1', text: 'A tide-pool ecologist', hop: 0, perspective: 'read', relation: null, parentId: null, rootDocId: 'd', rootUrl: 'https://example.org/',
  budget: 3, provenance: { stage: 'extract', model: 'm', simulated: true, promptId: 'p', promptVersion: '2', params: {}, usage: { inputTokens: 1, outputTokens: 1 }, createdAt: '2026-01-01T00:00:00Z' },
};

describe('persona contract evolution on the real registry (BACKWARD)', () => {
  it('the schema with attributes registers as version 2 over the old one; old records decode, new ones carry attributes', async () => {
    const client = registry();
    const topic = `${randomPrefix('persona-evo')}personas.unique`;
    const subject = `${topic}-value`;
    expect(await registerSubject(client, subject, JSON.stringify(JSON.parse(V1)))).toMatchObject({ version: 1 });
    const codec = createRegistryCodec(client);
    const written = await codec.encode(topic, old); // framed with v1
    const v2 = JSON.stringify(toJsonSchema('persona', Persona));
    expect(JSON.parse(v2).properties.attributes).toBeDefined();
    expect(await registerSubject(client, subject, v2)).toMatchObject({ status: 'registered', version: 2 });
    expect(Persona.parse(await codec.decode(topic, written))).toEqual(old);
    const withAttributes = { ...old, attributes: { occupation: 'ecologist', domain: 'marine biology', interests: ['tide pools'], expertise: 'expert' } };
    expect(Persona.parse(await codec.decode(topic, await createRegistryCodec(client).encode(topic, withAttributes)))).toEqual(withAttributes);
  });
});
