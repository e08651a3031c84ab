import { z } from 'zod';
import { ExtractConfig } from './extract/spec.js';
import { ExpandConfig } from './expand/spec.js';
import { ScenarioConfig } from './synthesize/spec.js';
import { VerifyMathConfig } from './verify-math/spec.js';
import { DiversityConfig } from './diversity/spec.js';

/**
 * The configuration table of docs/dataflow.md, rendered from the zod specs (descriptions and defaults), so the
 * documentation cannot drift from the code: a unit test compares the two.
 */
const SECTIONS: Array<[path: string, schema: z.ZodType]> = [
  ['stages.extract', ExtractConfig],
  ['stages.expand', ExpandConfig],
  ['stages.synthesize.scenarios.<scenario>', ScenarioConfig],
  ['stages.verifyMath', VerifyMathConfig],
  ['stages.diversity', DiversityConfig],
];

export function stageConfigTable(): string {
  const lines = ['| key | default | meaning |', '|---|---|---|'];
  for (const [path, schema] of SECTIONS) {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { description?: string }> };
    const defaults = schema.parse(undefined) as Record<string, unknown>;
    for (const [key, prop] of Object.entries(json.properties ?? {})) {
      const description = (prop.description ?? '').replace(/\|/g, '\\|');
      lines.push(`| \`${path}.${key}\` | \`${JSON.stringify(defaults[key])}\` | ${description} |`);
    }
  }
  return lines.join('\n');
}
