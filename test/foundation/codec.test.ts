import { describe, expect, it } from 'vitest';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { isPersonahubError } from '../../src/errors.js';
import { createRegistryCodec } from '../../src/registry/codec.js';
import { jsonCodec } from '../../src/runtime/json-codec.js';

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

describe('invalid UTF-8 is refused, never repaired (issue #11)', () => {
  const bad = Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from(' and \xff"}', 'latin1')]);
  it.each([
    ['registry codec, plain JSON', () => codec.decode('t', bad)],
    ['plain JSON codec', () => jsonCodec.decode('t', bad)],
    ['plain JSON codec, a lone continuation byte', () => jsonCodec.decode('t', Buffer.concat([Buffer.from('["'), Buffer.from([0x80]), Buffer.from('"]')]))],
    ['plain JSON codec, an overlong encoding', () => jsonCodec.decode('t', Buffer.concat([Buffer.from('["'), Buffer.from([0xc0, 0xaf]), Buffer.from('"]')]))],
  ])('%s → poison invalid_utf8', async (_name, decode) => {
    const e = await decode().then(() => undefined, (err: unknown) => err);
    expect(isPersonahubError(e) && e.kind === 'poison' && e.code === 'invalid_utf8').toBe(true);
  });

  it('valid multi-byte text decodes unchanged (no U+FFFD anywhere)', async () => {
    const text = 'ünïcödé ✓ 市民農園 🐝';
    expect(await jsonCodec.decode('t', Buffer.from(JSON.stringify({ text })))).toEqual({ text });
    expect(await codec.decode('t', Buffer.from(JSON.stringify({ text })))).toEqual({ text });
  });
});

describe('registry codec encode: latest schema id memo', () => {
  const fakeClient = (answers: Array<number | Error>) => {
    let calls = 0;
    const client = {
      getLatestSchemaMetadata: async () => {
        const a = answers[Math.min(calls++, answers.length - 1)]!;
        if (a instanceof Error) throw a;
        return { id: a };
      },
    } as unknown as SchemaRegistryClient;
    return { client, calls: () => calls };
  };

  it('concurrent encodes of a topic share one lookup and frame the id', async () => {
    const f = fakeClient([7]);
    const c = createRegistryCodec(f.client);
    const out = await Promise.all(Array.from({ length: 100 }, (_, n) => c.encode('t', { n })));
    expect(f.calls()).toBe(1);
    expect(out.every((b) => b[0] === 0 && b.readUInt32BE(1) === 7)).toBe(true);
    expect(JSON.parse(out[3]!.subarray(5).toString('utf8'))).toEqual({ n: 3 });
  });

  it('a failed lookup is not memoised: the next encode asks again', async () => {
    const f = fakeClient([Object.assign(new Error('down'), { status: 503 }), 9]);
    const c = createRegistryCodec(f.client);
    const e = await c.encode('t', {}).then(() => undefined, (err: unknown) => err);
    expect(isPersonahubError(e) && e.code === 'registry_unavailable').toBe(true);
    expect((await c.encode('t', {})).readUInt32BE(1)).toBe(9);
    expect(f.calls()).toBe(2);
  });
});
