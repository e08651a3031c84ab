import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistryCodec } from '../../src/registry/codec.js';
import { toJsonSchema } from '../../src/registry/json-schemas.js';
import { registerSubject } from '../../src/registry/subjects.js';
import { randomPrefix, registry } from './helpers.js';

describe('registry codec under many records at once (real registry)', () => {
  it('hundreds of concurrent decodes of a subject not yet known load its version list once, and all decode', async () => {
    const client = registry();
    const topic = `${randomPrefix('shared-load')}in`;
    await registerSubject(client, `${topic}-value`, JSON.stringify(toJsonSchema('Doc', z.object({ n: z.number() }))));
    const frames = await Promise.all(Array.from({ length: 300 }, (_, n) => createRegistryCodec(client).encode(topic, { n })));
    let loads = 0;
    const getAllVersions = client.getAllVersions.bind(client);
    client.getAllVersions = async (subject: string) => {
      loads++;
      return getAllVersions(subject);
    };
    // A fresh codec, as at a stage's start: nothing cached, every record in flight at once.
    const codec = createRegistryCodec(client);
    const values = await Promise.all(frames.map((f) => codec.decode(topic, f)));
    expect(values).toEqual(Array.from({ length: 300 }, (_, n) => ({ n })));
    expect(loads).toBe(1);
  });
});
