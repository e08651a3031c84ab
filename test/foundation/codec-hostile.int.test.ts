import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRegistryCodec } from '../../src/registry/codec.js';
import { generateJsonSchemas } from '../../src/registry/json-schemas.js';
import { classify } from '../../src/errors.js';
import { codecSubjects, registry } from './helpers.js';

/**
 * The registry codec against the real registry: a frame must carry an id of the topic's own subject (issue #11
 * defect 4), invalid UTF-8 is refused rather than repaired (defect 5), and the web-document schema of this branch
 * registers as a BACKWARD-compatible successor of the previous one (defect 3: `source` got a default).
 */
const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => classify(e).code);

describe('registry codec: foreign ids, unknown ids, invalid UTF-8', () => {
  const { prefix, docs, math, doc } = codecSubjects('codec-hostile');

  it('accepts its own subject, dead-letters another subject\'s id as schema_subject_mismatch and an unassigned id as decode_failed', async () => {
    const codec = createRegistryCodec(registry());
    const own = await codec.encode(docs, doc);
    await expect(codec.decode(docs, own)).resolves.toEqual(doc);
    const foreign = await codec.encode(math, doc); // a valid frame, but synth.math-value's id
    expect(foreign.readUInt32BE(1)).not.toBe(own.readUInt32BE(1));
    expect(await codeOf(codec.decode(docs, foreign))).toBe('schema_subject_mismatch');
    const unknown = Buffer.from(own);
    unknown.writeUInt32BE(0x7ffffff0, 1);
    expect(await codeOf(codec.decode(docs, unknown))).toBe('decode_failed');
    // The foreign id is still refused when asked again (nothing cached it as ours).
    expect(await codeOf(codec.decode(docs, foreign))).toBe('schema_subject_mismatch');
  });

  it('refuses invalid UTF-8 in framed and plain values instead of replacing it with U+FFFD', async () => {
    const codec = createRegistryCodec(registry());
    const bad = Buffer.concat([Buffer.from('{"id":"d1","url":"https://example.org/a","text":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(await codeOf(codec.decode(docs, bad))).toBe('invalid_utf8');
    const framed = await codec.encode(docs, doc);
    expect(await codeOf(codec.decode(docs, Buffer.concat([framed.subarray(0, 5), bad])))).toBe('invalid_utf8');
  });

  it('the new web-document schema is a BACKWARD-compatible successor of the previous one', async () => {
    const r = registry();
    const subject = `${prefix}compat-web.documents-value`;
    const previous = readFileSync(fileURLToPath(new URL('./fixtures/web-document.v1.json', import.meta.url)), 'utf8');
    await r.register(subject, { schemaType: 'JSON', schema: JSON.stringify(JSON.parse(previous)) });
    await r.updateCompatibility(subject, 'BACKWARD' as never);
    const current = generateJsonSchemas().find((g) => g.schemaName === 'web-document')!;
    expect(await r.testSubjectCompatibility(subject, { schemaType: 'JSON', schema: current.registryText })).toBe(true);
    await r.register(subject, { schemaType: 'JSON', schema: current.registryText });
    expect((await r.getAllVersions(subject)).length).toBe(2);
    await r.deleteSubject(subject, false).catch(() => undefined);
  });
});
