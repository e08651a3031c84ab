import { Compatibility, JsonDeserializer, JsonSerializer, SerdeType } from '@confluentinc/schemaregistry';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { topicsFor } from '../../topics/index.js';
import { WebDocument } from '../../src/contracts/index.js';
import { isPersonahubError } from '../../src/errors.js';
import { createRegistryCodec } from '../../src/registry/codec.js';
import { toJsonSchema } from '../../src/registry/json-schemas.js';
import { registerSubject, registerValueSubjects } from '../../src/registry/subjects.js';
import { randomPrefix, registry } from './helpers.js';

const doc = { id: 'd1', url: 'https://example.org/a', text: 'A page about tide pools.', fetchedAt: '2026-01-01T00:00:00Z', source: 'test' };

describe('schema registry (Apicurio ccompat) with @confluentinc/schemaregistry', () => {
  const client = registry();

  it('registers every <topic>-value subject with BACKWARD compatibility; registering again changes nothing', async () => {
    const topics = topicsFor({ prefix: randomPrefix('subjects') });
    const first = await registerValueSubjects(client, topics);
    const withValue = topics.filter((t) => t.valueSubject);
    expect(first.map((r) => r.subject).sort()).toEqual(withValue.map((t) => t.valueSubject).sort());
    expect(first.every((r) => r.status === 'registered' && r.version === 1)).toBe(true);
    for (const t of withValue) {
      expect(await client.getCompatibility(t.valueSubject!)).toBe(Compatibility.BACKWARD);
      const latest = await client.getLatestSchemaMetadata(t.valueSubject!);
      expect(JSON.parse(latest.schema)).toEqual(toJsonSchema(t.value!.schemaName, t.value!.schema));
    }
    const second = await registerValueSubjects(client, topics);
    expect(second.map((r) => [r.status, r.id, r.version])).toEqual(first.map((r) => ['unchanged', r.id, 1]));
  });

  it('rejects an incompatible change (new required field) and accepts a compatible one (new optional field)', async () => {
    const subject = `${randomPrefix('compat')}web.documents-value`;
    await registerSubject(client, subject, JSON.stringify(toJsonSchema('web-document', WebDocument)));

    const breaking = JSON.stringify(toJsonSchema('web-document', WebDocument.extend({ crawlId: z.string() })));
    expect(await client.testSubjectCompatibility(subject, { schemaType: 'JSON', schema: breaking })).toBe(false);
    const err = await registerSubject(client, subject, breaking).then(() => undefined, (e: unknown) => e);
    expect(isPersonahubError(err) && err.code === 'registry_error' && err.kind === 'fatal').toBe(true);
    expect((await client.getLatestSchemaMetadata(subject)).version).toBe(1);

    const compatible = JSON.stringify(toJsonSchema('web-document', WebDocument.extend({ crawlId: z.string().optional() })));
    const ok = await registerSubject(client, subject, compatible);
    expect(ok).toMatchObject({ status: 'registered', version: 2 });
  });

  it('interoperates with the Confluent JSON serdes in both directions', async () => {
    const topic = `${randomPrefix('serde')}web.documents`;
    await registerSubject(client, `${topic}-value`, JSON.stringify(toJsonSchema('web-document', WebDocument)));
    const ours = createRegistryCodec(client);
    const serializer = new JsonSerializer(client, SerdeType.VALUE, { useLatestVersion: true, autoRegisterSchemas: false, validate: true });
    const deserializer = new JsonDeserializer(client, SerdeType.VALUE, { validate: true });

    const theirs = await serializer.serialize(topic, doc);
    expect(await ours.decode(topic, theirs)).toEqual(doc);
    const mine = await ours.encode(topic, doc);
    expect(mine.subarray(0, 5)).toEqual(theirs.subarray(0, 5)); // same magic byte and schema id
    expect(await deserializer.deserialize(topic, mine)).toEqual(doc);
    // The Confluent serializer validates against the registered schema: an invalid value is refused.
    await expect(serializer.serialize(topic, { ...doc, text: 42 })).rejects.toThrow();
  });

  it('codec: an unknown id on a registered subject is poison; a missing subject is waited for, never poison or fatal', async () => {
    const topic = `${randomPrefix('missing')}web.documents`;
    const codec = createRegistryCodec(client);
    const framed = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from(JSON.stringify(doc))]);
    const kindCode = (e: unknown) => (isPersonahubError(e) ? `${e.kind}:${e.code}` : String(e));
    // Not registered (or a registry that restarted empty): the runtime waits for `schemas register`.
    expect(kindCode(await codec.decode(topic, framed).then(() => undefined, (e: unknown) => e))).toBe('retriable:registry_unavailable');
    const encodeErr = await codec.encode(topic, doc).then(() => undefined, (e: unknown) => e);
    expect(kindCode(encodeErr)).toBe('retriable:registry_unavailable');
    expect((encodeErr as Error).message).toContain('personahub schemas register');
    // Registered: an id the registry does not know for it is garbage.
    await registerSubject(client, `${topic}-value`, JSON.stringify(toJsonSchema('web-document', WebDocument)));
    expect(kindCode(await codec.decode(topic, framed).then(() => undefined, (e: unknown) => e))).toBe('poison:decode_failed');
    expect((await codec.encode(topic, doc))[0]).toBe(0);
  });
});
