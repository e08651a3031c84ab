import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stageConfigTable } from '../../src/stages/config-docs.js';

describe('docs/dataflow.md', () => {
  it('contains the configuration table generated from the stage specs (regenerate it when a spec changes)', () => {
    const doc = readFileSync(new URL('../../docs/dataflow.md', import.meta.url), 'utf8');
    expect(doc).toContain(stageConfigTable());
  });
});
