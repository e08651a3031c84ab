import { Bool, Field, Float64, Int64, List, Schema, Struct, Utf8, type DataType } from 'apache-arrow';
import type { z } from 'zod';
import { toJsonSchema } from '../registry/json-schemas.js';

/**
 * The Arrow (and so Parquet) schema of a topic, derived from its zod contract through the same JSON Schema that is
 * registered for it (src/registry/json-schemas.ts), so the file's columns cannot drift from the contract:
 *
 *   string, enum, const        → utf8                 integer → int64      number → float64     boolean → bool
 *   object with properties     → struct (nested: provenance, lineage, output stay structured)
 *   array                      → list<item>
 *   anyOf [T, null] / optional → T, nullable
 *   anything else (a record with free keys such as provenance.params, mixed-type unions)
 *                              → utf8 holding the value as JSON; the field's metadata says `personahub.encoding: json`
 *
 * A column is nullable exactly when the contract allows the value to be absent or null.
 */
export type ColumnSpec =
  | { kind: 'utf8' | 'int64' | 'float64' | 'bool' | 'json' }
  | { kind: 'struct'; fields: Array<{ name: string; spec: ColumnSpec; nullable: boolean }> }
  | { kind: 'list'; item: ColumnSpec; itemNullable: boolean };

type Js = Record<string, unknown>;

/** Strip `anyOf: [T, {type: null}]` (and `type: [T, 'null']`) down to T, reporting whether null is allowed. */
function unNull(s: Js): { schema: Js; nullable: boolean } {
  const any = (s.anyOf ?? s.oneOf) as Js[] | undefined;
  if (Array.isArray(any)) {
    const rest = any.filter((x) => x.type !== 'null');
    if (rest.length === 1 && rest.length < any.length) return { schema: { ...rest[0], ...(s.default !== undefined ? { default: s.default } : {}) }, nullable: true };
  }
  if (Array.isArray(s.type)) {
    const types = (s.type as string[]).filter((t) => t !== 'null');
    if (types.length === 1 && types.length < (s.type as string[]).length) return { schema: { ...s, type: types[0] }, nullable: true };
  }
  return { schema: s, nullable: false };
}

export function columnSpec(s: Js): ColumnSpec {
  if (s.enum !== undefined || s.const !== undefined) {
    const values = (s.enum as unknown[] | undefined) ?? [s.const];
    return values.every((v) => typeof v === 'string') ? { kind: 'utf8' } : { kind: 'json' };
  }
  switch (s.type) {
    case 'string':
      return { kind: 'utf8' };
    case 'integer':
      return { kind: 'int64' };
    case 'number':
      return { kind: 'float64' };
    case 'boolean':
      return { kind: 'bool' };
    case 'array': {
      if (typeof s.items !== 'object' || s.items === null || Array.isArray(s.items)) return { kind: 'json' };
      const { schema, nullable } = unNull(s.items as Js);
      return { kind: 'list', item: columnSpec(schema), itemNullable: nullable };
    }
    case 'object': {
      const props = s.properties as Record<string, Js> | undefined;
      if (!props || Object.keys(props).length === 0 || (s.additionalProperties !== undefined && s.additionalProperties !== false)) return { kind: 'json' };
      const required = new Set((s.required as string[] | undefined) ?? []);
      return {
        kind: 'struct',
        fields: Object.entries(props).map(([name, p]) => {
          const { schema, nullable } = unNull(p);
          return { name, spec: columnSpec(schema), nullable: nullable || !required.has(name) };
        }),
      };
    }
    default:
      return { kind: 'json' };
  }
}

/** The record-level spec of a zod contract (must be an object). */
export function contractColumns(schema: z.ZodType): Extract<ColumnSpec, { kind: 'struct' }> {
  const spec = columnSpec(toJsonSchema('contract', schema) as Js);
  if (spec.kind !== 'struct') throw new Error('export: the topic contract is not an object');
  return spec;
}

export function arrowType(spec: ColumnSpec): DataType {
  switch (spec.kind) {
    case 'utf8':
    case 'json':
      return new Utf8();
    case 'int64':
      return new Int64();
    case 'float64':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'list':
      return new List(new Field('item', arrowType(spec.item), spec.itemNullable));
    case 'struct':
      return new Struct(spec.fields.map((f) => arrowField(f.name, f.spec, f.nullable)));
  }
}

function arrowField(name: string, spec: ColumnSpec, nullable: boolean): Field {
  return new Field(name, arrowType(spec), nullable, spec.kind === 'json' ? new Map([['personahub.encoding', 'json']]) : undefined);
}

export function arrowSchema(spec: Extract<ColumnSpec, { kind: 'struct' }>, metadata: Record<string, string> = {}): Schema {
  return new Schema(
    spec.fields.map((f) => arrowField(f.name, f.spec, f.nullable)),
    new Map(Object.entries(metadata)),
  );
}

/**
 * A validated record as the Arrow builders take it: int64 as bigint, JSON columns as their JSON text, absent
 * values as null. Nothing is coerced beyond that: the value already satisfied the contract the spec came from.
 */
export function toColumns(spec: ColumnSpec, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (spec.kind) {
    case 'json':
      return JSON.stringify(v);
    case 'int64':
      return BigInt(v as number);
    case 'list':
      return (v as unknown[]).map((x) => toColumns(spec.item, x));
    case 'struct': {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(spec.fields.map((f) => [f.name, toColumns(f.spec, o[f.name])]));
    }
    default:
      return v;
  }
}
