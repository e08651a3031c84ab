import { Persona } from '../../contracts/persona.js';
import { WebDocument } from '../../contracts/web-document.js';
import type { DedupConfig } from '../config.js';
import { exactScheme, minhashScheme, simhashScheme } from './schemes.js';
import type { NearDupStreamSpec } from './stages.js';

/** Topic and stage names of the two streaming filters (persistent: a rename is a migration). */
export const DEDUP_STREAM_TOPICS = {
  personas: {
    input: 'personas.candidates',
    route: 'personas.dedup.route',
    changelog: 'personas.dedup.changelog',
    output: 'personas.unique',
  },
  documents: {
    input: 'web.documents',
    route: 'web.documents.pagefilter.route',
    changelog: 'web.documents.pagefilter.changelog',
    output: 'web.documents.unique',
  },
} as const;

export const PERSONA_DEDUP_STAGE = 'dedup';
export const PAGE_FILTER_STAGE = 'pagefilter';


export function personaStreamSpec(cfg: DedupConfig): NearDupStreamSpec<Persona> {
  const p = cfg.personas;
  const mh = minhashScheme({ threshold: p.threshold, numPerm: p.permutations, banding: { bands: p.bands, rows: p.rows } });
  const t = DEDUP_STREAM_TOPICS.personas;
  return {
    name: PERSONA_DEDUP_STAGE,
    input: { topic: t.input, schema: Persona },
    routeTopic: t.route,
    changelogTopic: t.changelog,
    outputTopic: t.output,
    outputSchema: Persona,
    scheme: p.method === 'exact' ? exactScheme() : mh,
    partitions: cfg.stream.partitions,
    segmentItems: cfg.stream.segmentItems,
    ...(p.method === 'semantic' ? { semantic: { threshold: p.semanticThreshold, bands: 24, rows: 8 } } : {}),
    idOf: (x) => x.id,
    textOf: (x) => x.text,
    keyOf: (x) => x.id,
    hopOf: (x) => x.hop,
  };
}

export function documentStreamSpec(cfg: DedupConfig): NearDupStreamSpec<WebDocument> {
  const d = cfg.documents;
  const sh =
    d.method === 'minhash'
      ? minhashScheme({ threshold: d.threshold, numPerm: 128, banding: { bands: 16, rows: 8 } })
      : simhashScheme({ k: d.maxHamming, shingleWords: d.shingleWords, ...(d.blocks ? { blocks: d.blocks } : {}) });
  const t = DEDUP_STREAM_TOPICS.documents;
  return {
    name: PAGE_FILTER_STAGE,
    input: { topic: t.input, schema: WebDocument },
    routeTopic: t.route,
    changelogTopic: t.changelog,
    outputTopic: t.output,
    outputSchema: WebDocument,
    scheme: d.method === 'exact' ? exactScheme() : sh,
    partitions: cfg.stream.partitions,
    segmentItems: cfg.stream.segmentItems,
    idOf: (x) => x.id,
    textOf: (x) => x.text,
    keyOf: (x) => x.id,
    hopOf: () => 0,
  };
}
