/** Near-duplicate filters: the module boundary (see docs/dedup.md). */
export { normalize, words, wordSet, exactKey, personaId } from './normalize.js';
export { DedupConfig } from './config.js';
export { MinHasher, jaccardSorted, signatureSimilarity, wordJaccard, type MinHashed } from './minhash.js';
export { MinHashLsh, BandStore, bandKeys, DEFAULT_MINHASH, type MinHashLshOptions, type Verify } from './minhash-lsh.js';
export { optimalBanding, candidateProbability, type Banding } from './lsh-params.js';
export { simhash64, hamming, toHex, fromHex, type Fingerprint } from './simhash.js';
export { SimHashIndex, BlockLayout } from './simhash-index.js';
export { SemanticIndex, DEFAULT_SEMANTIC, type SemanticOptions } from './semantic.js';
export { ExactFilter } from './exact.js';
export { createTextFilter, type TextFilter, type Verdict, type DupKind, type SyncMethod } from './filters.js';
export { dedupJsonl, type OfflineMethod, type OfflineReport } from './offline.js';
export { createEntryStage, createBandsStage, type NearDupStreamSpec } from './stream/stages.js';
export { personaStreamSpec, documentStreamSpec, DEDUP_STREAM_TOPICS, PERSONA_DEDUP_STAGE, PAGE_FILTER_STAGE } from './stream/specs.js';
