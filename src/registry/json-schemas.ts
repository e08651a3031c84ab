import { z } from 'zod';
import { ALL_TOPIC_DEFS } from '../../topics/index.js';
import type { TopicDef } from '../../topics/types.js';

/**
 * JSON Schemas generated from the zod contracts — zod is the single source of truth; schemas/*.json are these,
 * written by `personahub schemas gen` and checked for drift by test/foundation/schemas-drift.test.ts.
 *
 * Draft-07, not zod's default 2020-12: Apicurio 3.0's compatibility checker rejects 2020-12 schemas with
 * "could not determine version" (HTTP 500) on the second registration of a subject. Draft-07 is also what
 * Confluent's serdes and most JSON Schema tooling handle best.
 */
export const JSON_SCHEMA_TARGET = 'draft-7' as const;

export interface GeneratedSchema {
  /** schemas/<schemaName>.json */
  schemaName: string;
  fileName: string;
  schema: Record<string, unknown>;
  /** Pretty file content (stable key order = zod's declaration order, trailing newline). */
  fileText: string;
  /** Compact text registered with the registry. */
  registryText: string;
}

export function toJsonSchema(schemaName: string, schema: z.ZodType): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(schema, { target: JSON_SCHEMA_TARGET, io: 'output' }) as Record<string, unknown>;
  return { $schema, title: schemaName, ...rest };
}

/** One schema per distinct schemaName among the topic definitions (a name must always mean the same zod schema). */
export function generateJsonSchemas(defs: readonly TopicDef[] = ALL_TOPIC_DEFS): GeneratedSchema[] {
  const byName = new Map<string, z.ZodType>();
  for (const def of defs) {
    if (!def.value) continue;
    const prev = byName.get(def.value.schemaName);
    if (prev !== undefined && prev !== def.value.schema) {
      throw new Error(`topics/: schemaName ${def.value.schemaName} is used for two different zod schemas`);
    }
    byName.set(def.value.schemaName, def.value.schema);
  }
  return [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([schemaName, zodSchema]) => {
      const schema = toJsonSchema(schemaName, zodSchema);
      return {
        schemaName,
        fileName: `${schemaName}.json`,
        schema,
        fileText: `${JSON.stringify(schema, null, 2)}\n`,
        registryText: JSON.stringify(schema),
      };
    });
}
