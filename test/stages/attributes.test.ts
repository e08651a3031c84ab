import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/schema.js';
import { Persona } from '../../src/contracts/persona.js';
import { cleanAttributes, expertiseLevel } from '../../src/stages/attributes.js';
import { createExpandStage } from '../../src/stages/expand/process.js';
import { createExtractStage, extractStageConfig } from '../../src/stages/extract/process.js';
import { extractReplySchema } from '../../src/stages/extract/prompt.js';
import { strictJsonSchema } from '../../src/llm/strict-schema.js';
import { ctx, fakeLlm, outputsOf, silentLogger, systemText } from './fake-llm.js';

const doc = {
  id: 'doc-1', url: 'https://example.org/ledger', text: 'Double-entry bookkeeping for small shops. '.repeat(10), fetchedAt: '2026-01-01T00:00:00Z', source: 'test',
};

describe('persona attributes (persona carver)', () => {
  it('cleanAttributes keeps usable values only and maps expertise words onto the three levels', () => {
    expect(
      cleanAttributes({ occupation: '  bookkeeper ', domain: 'Accounting', interests: ['tax', 'tax', ' ', 'audits'], expertise: 'Advanced', region: 'N/A', language: 'unknown' }),
    ).toEqual({ occupation: 'bookkeeper', domain: 'Accounting', interests: ['tax', 'audits'], expertise: 'expert' });
    expect(cleanAttributes({ region: '', interests: [] })).toBeUndefined();
    expect(cleanAttributes(undefined)).toBeUndefined();
    expect(cleanAttributes({ interests: Array.from({ length: 12 }, (_, i) => `topic ${i}`) })!.interests).toHaveLength(8);
    expect([expertiseLevel('beginner'), expertiseLevel('intermediate level'), expertiseLevel('world-class?'), expertiseLevel(undefined)]).toEqual([
      'novice', 'intermediate', undefined, undefined,
    ]);
  });

  it('extract asks for attributes and puts them on the persona; a reply without them still gives valid personas', async () => {
    const config = Config.parse({});
    const withAttrs = fakeLlm(() => ({
      personas: [
        { perspective: 'read', persona: 'A shop owner who keeps her own books', attributes: { occupation: 'shop owner', domain: 'retail accounting', interests: ['cash flow'], expertise: 'intermediate' } },
        { perspective: 'write', persona: 'An accountant who writes guides for small traders' },
      ],
    }));
    const stage = createExtractStage(extractStageConfig(config), { llm: withAttrs.client, logger: silentLogger });
    const out = outputsOf(await stage.process(doc, ctx())).map((o) => Persona.parse(o.value));
    expect(out[0]!.attributes).toEqual({ occupation: 'shop owner', domain: 'retail accounting', interests: ['cash flow'], expertise: 'intermediate' });
    expect(out[1]!).not.toHaveProperty('attributes');
    expect(systemText(withAttrs.requests[0]!)).toMatch(/"attributes"/);
    expect(out[0]!.provenance.promptVersion).toBe('3');
  });

  it('the strict reply schema sends attributes as required-but-nullable (small models may return null for each)', () => {
    const strict = strictJsonSchema(extractReplySchema(Config.parse({}).stages.extract)).jsonSchema as any;
    const item = strict.properties.personas.items;
    expect(item.required).toContain('attributes');
    const attrs = item.properties.attributes.anyOf[0];
    expect(attrs.required).toEqual(['occupation', 'domain', 'interests', 'expertise', 'region', 'language']);
    expect(attrs.properties.region.anyOf.map((b: { type: string }) => b.type)).toContain('null');
  });

  it('expand gives each related persona its own attributes', async () => {
    const parent = Persona.parse({
      id: 'p', text: 'A shop owner', hop: 0, perspective: 'read', rootDocId: 'd', rootUrl: 'https://example.org/', budget: 10,
      provenance: { stage: 'extract', model: 'm', promptId: 'x', promptVersion: '3', params: {}, usage: { inputTokens: 1, outputTokens: 1 }, createdAt: '2026-01-01T00:00:00Z' },
    });
    const llm = fakeLlm(() => ({
      related: [
        { relation: 'Supplier', persona: 'A wholesaler of dried goods', attributes: { occupation: 'wholesaler', domain: 'logistics', expertise: 'expert' } },
        { relation: 'client', persona: 'A regular customer on a pension' },
      ],
    }));
    const stage = createExpandStage(Config.parse({}).stages.expand, { llm: llm.client, logger: silentLogger });
    const kids = outputsOf(await stage.process(parent, ctx())).map((o) => Persona.parse(o.value));
    expect(kids[0]!.attributes).toEqual({ occupation: 'wholesaler', domain: 'logistics', expertise: 'expert' });
    expect(kids[1]!.attributes).toBeUndefined();
  });
});
