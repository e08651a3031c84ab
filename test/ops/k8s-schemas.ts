import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { typecheckValues, type TypeProblem } from './typecheck.js';

/**
 * Offline validation of everything under deploy/k8s, with unknown fields rejected. Two checks per document:
 *
 * 1. Schema: the ajv validators that kubernetes-models, @kubernetes-models/keda and
 *    @kubernetes-models/prometheus-operator compile from the published Kubernetes OpenAPI and CRD schemas (types,
 *    formats, enums, required fields). They do not reject unknown fields.
 * 2. Unknown fields: the same packages' TypeScript types, checked with `satisfies` (test/ops/typecheck.ts), which
 *    reject a field the type does not declare at any depth, except inside open maps (labels, annotations, data,
 *    KafkaTopic config), exactly where the API server keeps unknown keys too.
 *
 * Strimzi has no npm package: KafkaTopic validates against the CRD of Strimzi 1.2.0 (test/ops/schemas/), made
 * structural the way the API server treats it: every object schema without `x-kubernetes-preserve-unknown-fields`
 * gets `additionalProperties: false`; its metadata is type-checked as ObjectMeta.
 */
const require = createRequire(import.meta.url);
export const K8S_DIR = fileURLToPath(new URL('../../deploy/k8s', import.meta.url));
const STRIMZI_CRD = fileURLToPath(new URL('./schemas/strimzi-kafkatopic-1.2.0.crd.yaml', import.meta.url));

export type K8sDoc = { apiVersion: string; kind: string; metadata?: { name?: string; [k: string]: unknown }; [k: string]: unknown };
export interface K8sEntry {
  file: string;
  doc: K8sDoc;
}

/** Every Kubernetes document under deploy/k8s (kustomization files excluded), with its path relative to it. */
export function k8sEntries(): K8sEntry[] {
  const out: K8sEntry[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.yaml') && e.name !== 'kustomization.yaml') {
        for (const d of parseAllDocuments(readFileSync(path, 'utf8'))) out.push({ file: path.slice(K8S_DIR.length + 1), doc: d.toJS() as K8sDoc });
      }
    }
  };
  walk(K8S_DIR);
  return out;
}

const label = (e: K8sEntry) => `${e.file}: ${e.doc.kind}/${e.doc.metadata?.name}`;

function groupVersion(doc: K8sDoc): [string, string] {
  return doc.apiVersion.includes('/') ? (doc.apiVersion.split('/') as [string, string]) : ['', doc.apiVersion];
}

/** The module that has the model (validator + TypeScript type) of a document's group and version. */
function modelModule(doc: K8sDoc): string | undefined {
  const [group, version] = groupVersion(doc);
  if (group === 'keda.sh') return `@kubernetes-models/keda/keda.sh/${version}`;
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}`;
  if (group === 'kafka.strimzi.io') return undefined;
  return `kubernetes-models/${group ? `${group}/` : ''}${version}`;
}

/** Structural form of a CRD schema: unknown fields rejected wherever the API server would prune them. */
function structural(schema: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description' || k.startsWith('x-kubernetes-')) continue;
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as Record<string, Record<string, unknown>>).map(([p, s]) => [p, structural(s)]));
    else if (k === 'items') out[k] = structural(v as Record<string, unknown>);
    else out[k] = v;
  }
  if (schema.type === 'object' && schema.properties && !schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

let kafkaTopicValidator: ReturnType<Ajv['compile']> | undefined;
function validateKafkaTopic(doc: K8sDoc): string[] {
  if (!kafkaTopicValidator) {
    const crd = parse(readFileSync(STRIMZI_CRD, 'utf8')) as { spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: Record<string, unknown> } }> } };
    const v1 = crd.spec.versions.find((v) => v.name === 'v1')!;
    kafkaTopicValidator = new Ajv({ allErrors: true, strict: false }).compile(structural(v1.schema.openAPIV3Schema));
  }
  if (doc.apiVersion !== 'kafka.strimzi.io/v1' || doc.kind !== 'KafkaTopic') return [`no schema for ${doc.apiVersion} ${doc.kind}`];
  if (kafkaTopicValidator(doc)) return [];
  return (kafkaTopicValidator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`);
}

/** Check 1 for each document: its published schema (types, enums, required). Returns problems, empty if valid. */
export function schemaProblems(entries: K8sEntry[]): string[] {
  const problems: string[] = [];
  for (const e of entries) {
    const mod = modelModule(e.doc);
    if (mod === undefined) {
      for (const p of validateKafkaTopic(e.doc)) problems.push(`${label(e)}: ${p}`);
      continue;
    }
    const Model = require(mod)[e.doc.kind] as (new (data: unknown) => { validate(): void }) | undefined;
    if (!Model) {
      problems.push(`${label(e)}: no schema for ${e.doc.apiVersion} ${e.doc.kind}`);
      continue;
    }
    try {
      new Model(e.doc).validate();
    } catch (err) {
      problems.push(`${label(e)}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** Check 2 for all documents at once (one compiler run): unknown fields and wrong types against the TS types. */
export function unknownFieldProblems(entries: K8sEntry[]): TypeProblem[] {
  const modules = [...new Set(entries.map((e) => modelModule(e.doc)).filter((m): m is string => m !== undefined))];
  const imports = [
    ...modules.map((m, i) => `import type * as m${i} from '${m}';`),
    `import type { IObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1';`,
  ].join('\n');
  return typecheckValues(imports, entries.map((e) => {
    const mod = modelModule(e.doc);
    if (mod === undefined) return { name: label(e), type: '{ metadata?: IObjectMeta }', value: { metadata: e.doc.metadata } };
    return { name: label(e), type: `m${modules.indexOf(mod)}.I${e.doc.kind}`, value: e.doc };
  }));
}
