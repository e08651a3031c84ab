import { describe, expect, it } from 'vitest';
import { createRegistryCodec } from '../../src/registry/codec.js';
import { NEEDS_ASYNC } from '../../src/runtime/codec.js';
import { classify } from '../../src/errors.js';
import { codecSubjects, registry } from './helpers.js';

/**
 * The registry codec's synchronous fast paths (decodeNow / encodeNow, used by the runtime per record) against the
 * real registry: they answer only what needs no lookup, and then exactly what decode / encode answer; anything
 * that needs the registry is left to the async methods (NEEDS_ASYNC), which keep every check.
 */
const codeOfSync = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return classify(e).code;
  }
};

describe('registry codec: synchronous fast paths', () => {
  const { docs, math, doc } = codecSubjects('codec-sync');

  it('encodeNow waits for the first lookup, then frames exactly as encode does', async () => {
    const codec = createRegistryCodec(registry());
    expect(codec.encodeNow!(docs, doc)).toBe(NEEDS_ASYNC);
    const framed = await codec.encode(docs, doc);
    const now = codec.encodeNow!(docs, doc);
    expect(now).not.toBe(NEEDS_ASYNC);
    expect(Buffer.compare(now as Buffer, framed)).toBe(0);
  });

  it('decodeNow needs the registry for an id it has not verified, and never accepts a foreign or unknown id', async () => {
    const codec = createRegistryCodec(registry());
    const own = await codec.encode(docs, doc);
    const foreign = await codec.encode(math, doc);
    // Not verified yet: left to decode, which looks the subject's ids up.
    expect(codec.decodeNow!(docs, own)).toBe(NEEDS_ASYNC);
    await expect(codec.decode(docs, own)).resolves.toEqual(doc);
    expect(codec.decodeNow!(docs, own)).toEqual(doc);
    // Another subject's id and an unassigned id are never answered synchronously; decode refuses them.
    expect(codec.decodeNow!(docs, foreign)).toBe(NEEDS_ASYNC);
    await expect(codec.decode(docs, foreign)).rejects.toMatchObject({ code: 'schema_subject_mismatch' });
    const unknown = Buffer.from(own);
    unknown.writeUInt32BE(0x7ffffff0, 1);
    expect(codec.decodeNow!(docs, unknown)).toBe(NEEDS_ASYNC);
    await expect(codec.decode(docs, unknown)).rejects.toMatchObject({ code: 'decode_failed' });
  });

  it('decodeNow throws the same poison as decode for bytes that need no lookup', async () => {
    const codec = createRegistryCodec(registry());
    const own = await codec.encode(docs, doc);
    await codec.decode(docs, own); // the subject's ids are known from here on
    const bad = Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const cases: Array<[string, Buffer, string]> = [
      ['empty', Buffer.alloc(0), 'decode_failed'],
      ['header only', own.subarray(0, 5), 'decode_failed'],
      ['binary', Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'decode_failed'],
      ['plain invalid UTF-8', bad, 'invalid_utf8'],
      ['framed invalid UTF-8', Buffer.concat([own.subarray(0, 5), bad]), 'invalid_utf8'],
      ['framed not JSON', Buffer.concat([own.subarray(0, 5), Buffer.from('{nope')]), 'decode_failed'],
    ];
    for (const [what, bytes, code] of cases) {
      expect([what, codeOfSync(() => codec.decodeNow!(docs, bytes))]).toEqual([what, code]);
      expect([what, await codec.decode(docs, bytes).then(() => 'ok', (e: unknown) => classify(e).code)]).toEqual([what, code]);
    }
    expect(codec.decodeNow!(docs, Buffer.from(JSON.stringify(doc)))).toEqual(doc);
  });
});
