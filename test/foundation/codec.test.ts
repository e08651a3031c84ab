import { describe, expect, it } from 'vitest';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { isPersonahubError } from '../../src/errors.js';
import { createRegistryCodec } from '../../src/registry/codec.js';

// Plain-JSON and garbage paths never reach the registry: an unreachable URL proves it.
const codec = createRegistryCodec(new SchemaRegistryClient({ baseURLs: ['http://127.0.0.1:9/unreachable'], maxRetries: 0 }));

async function decodeError(bytes: Buffer) {
  try {
    await codec.decode('t', bytes);
  } catch (e) {
    return e;
  }
  throw new Error('decode did not fail');
}

describe('registry codec, without a registry', () => {
  it.each([
    ['object', '{"a":1}', { a: 1 }],
    ['array', '[1,2]', [1, 2]],
    ['leading whitespace', ' \n\t{"a":"b"}', { a: 'b' }],
  ])('decodes plain JSON (%s)', async (_name, text, expected) => {
    expect(await codec.decode('t', Buffer.from(text))).toEqual(expected);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['binary garbage', Buffer.from([0xff, 0x01, 0x02])],
    ['text that is not JSON', Buffer.from('hello')],
    ['broken JSON', Buffer.from('{"a":')],
    ['frame without payload', Buffer.from([0, 0, 0, 0, 1])],
  ])('rejects %s as poison decode_failed', async (_name, bytes) => {
    const e = await decodeError(bytes);
    expect(isPersonahubError(e) && e.kind === 'poison' && e.code === 'decode_failed').toBe(true);
  });
});
