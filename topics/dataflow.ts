import { Persona, WebDocument } from '../src/contracts/index.js';
import { DAY_MS, FOREVER, type TopicDef } from './types.js';

/**
 * The edges of the dataflow (DESIGN.md §1). Partition counts are sized for the local 2-core stack and raised in
 * production with `topics apply` (partitions can only go up; keyed state moves when they do).
 */
export const DATAFLOW_TOPIC_DEFS: readonly TopicDef[] = [
  {
    name: 'web.documents',
    description: 'Crawled pages (WebDocument) written by `personahub ingest` or any crawler; plain or registry JSON',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    value: { schemaName: 'web-document', schema: WebDocument },
  },
  {
    name: 'web.documents.unique',
    description: 'Documents that passed the exact + SimHash near-duplicate page filter; input of extract',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    value: { schemaName: 'web-document', schema: WebDocument },
  },
  {
    name: 'personas.candidates',
    description: 'Personas before dedup: from extract (hop 0) and expand (hop n+1), keyed by persona id',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    value: { schemaName: 'persona', schema: Persona },
  },
  {
    name: 'personas.unique',
    description: 'Deduplicated personas (the persona hub itself); input of expand and of every synthesize scenario',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    value: { schemaName: 'persona', schema: Persona },
  },
];
