import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ALL_TOPIC_DEFS } from '../../topics/index.js';
import { generateJsonSchemas } from '../../src/registry/json-schemas.js';

const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

describe('schemas/ generated from the zod contracts', () => {
  const generated = generateJsonSchemas();

  it('has exactly one file per contract, identical to what `npm run schemas:gen` writes', () => {
    const files = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(generated.map((g) => g.fileName).sort());
    for (const g of generated) {
      expect(readFileSync(`${SCHEMAS_DIR}${g.fileName}`, 'utf8'), `${g.fileName} drifted: run npm run schemas:gen`).toBe(g.fileText);
    }
  });

  it('covers every topic with a value contract, as draft-07', () => {
    const names = new Set(generated.map((g) => g.schemaName));
    for (const d of ALL_TOPIC_DEFS) if (d.value) expect(names.has(d.value.schemaName), d.name).toBe(true);
    for (const g of generated) expect(g.schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('notices a contract change (the drift check can fail)', () => {
    const persona = ALL_TOPIC_DEFS.find((d) => d.name === 'personas.unique')!;
    const changed = generateJsonSchemas([
      { ...persona, value: { schemaName: 'persona', schema: (persona.value!.schema as z.ZodObject).extend({ extra: z.string() }) } },
    ])[0]!;
    expect(changed.fileText).not.toBe(readFileSync(`${SCHEMAS_DIR}persona.json`, 'utf8'));
  });
});
