import { Compatibility, type SchemaRegistryClient } from '@confluentinc/schemaregistry';
import type { ResolvedTopic } from '../../topics/types.js';
import { classifyRegistryError, registryStatus } from './client.js';
import { toJsonSchema } from './json-schemas.js';

export interface SubjectResult {
  subject: string;
  status: 'registered' | 'unchanged';
  id: number;
  version: number;
}

/**
 * Register `<topic>-value` for each topic with a value contract, and pin the subject's compatibility to BACKWARD
 * (consumers on the new schema can read data written with the previous one; DESIGN.md §2).
 * Order matters: on an existing subject BACKWARD is set BEFORE registering, so the new version is checked against
 * it; a brand-new subject gets its config right after its first version (Apicurio has no config for absent subjects).
 * An incompatible change fails with a fatal `registry_error` (HTTP 409) and registers nothing for that subject.
 */
export async function registerValueSubjects(client: SchemaRegistryClient, topics: readonly ResolvedTopic[]): Promise<SubjectResult[]> {
  const results: SubjectResult[] = [];
  for (const topic of topics) {
    if (!topic.value || !topic.valueSubject) continue;
    results.push(await registerSubject(client, topic.valueSubject, JSON.stringify(toJsonSchema(topic.value.schemaName, topic.value.schema))));
  }
  return results;
}

export async function registerSubject(client: SchemaRegistryClient, subject: string, schemaText: string): Promise<SubjectResult> {
  const info = { schemaType: 'JSON', schema: schemaText };
  const exists = await subjectExists(client, subject);
  try {
    if (exists) {
      const already = await lookup(client, subject, schemaText);
      if (already) {
        await ensureBackward(client, subject);
        return { subject, status: 'unchanged', ...already };
      }
      await ensureBackward(client, subject);
    }
    const id = await client.register(subject, info);
    if (!exists) await ensureBackward(client, subject);
    // Look the schema up rather than asking for "latest": the client caches latest per subject for a minute.
    const registered = await lookup(client, subject, schemaText);
    return { subject, status: 'registered', id, version: registered?.version ?? 0 };
  } catch (e) {
    throw classifyRegistryError(e, `register ${subject}`);
  }
}

async function subjectExists(client: SchemaRegistryClient, subject: string): Promise<boolean> {
  try {
    await client.getLatestSchemaMetadata(subject);
    return true;
  } catch (e) {
    if (registryStatus(e) === 404) return false;
    throw classifyRegistryError(e, `look up ${subject}`);
  }
}

/** The id and version under which exactly this schema is already registered, or undefined. */
async function lookup(client: SchemaRegistryClient, subject: string, schemaText: string) {
  try {
    const meta = await client.getIdFullResponse(subject, { schemaType: 'JSON', schema: schemaText });
    return { id: meta.id!, version: meta.version ?? 0 };
  } catch (e) {
    if (registryStatus(e) === 404) return undefined;
    throw classifyRegistryError(e, `look up schema in ${subject}`);
  }
}

async function ensureBackward(client: SchemaRegistryClient, subject: string): Promise<void> {
  // Apicurio's ccompat answers PUT /config/{subject} with a body the client does not map (returns undefined):
  // read the level back instead of trusting the return value.
  if ((await client.getCompatibility(subject).catch(() => undefined)) === Compatibility.BACKWARD) return;
  await client.updateCompatibility(subject, Compatibility.BACKWARD);
  const now = await client.getCompatibility(subject);
  if (now !== Compatibility.BACKWARD) throw new Error(`compatibility of ${subject} is ${now}, expected BACKWARD`);
}
