import { z } from 'zod';
import { describeStageConformance } from './conformance.js';
import type { Stage } from '../../src/runtime/index.js';
import { expect } from 'vitest';

/** The suite run against a minimal stage, so a regression in the suite or the runtime shows up here first. */
const Doc = z.object({ id: z.string(), text: z.string().min(1) });
const Upper = z.object({ id: z.string(), upper: z.string() });

describeStageConformance<z.infer<typeof Doc>>(
  'uppercase (reference stage)',
  (): Stage<z.infer<typeof Doc>> => ({
    name: 'upper',
    input: { topic: 'docs', schema: Doc },
    outputs: { 'docs.upper': Upper },
    ordering: 'key',
    async process(doc) {
      return doc.text === 'skip' ? [] : [{ topic: 'docs.upper', key: doc.id, value: { id: doc.id, upper: doc.text.toUpperCase() } }];
    },
  }),
  {
    valid: [
      { id: 'a', text: 'hello' },
      { id: 'b', text: 'skip' },
      { id: 'c', text: 'world' },
    ],
    keyOf: (d) => d.id,
    check: (outputs) => {
      expect(outputs['docs.upper']).toHaveLength(4); // two rounds of a and c; b filtered
    },
  },
);
