import { SCENARIOS, type ScenarioName } from '../contracts/scenarios.js';

/**
 * The topics the dataflow stages read and write (the edges of DESIGN.md §1). Their partitions, retention and
 * value subjects are declared under topics/; stages only need the names.
 */
export const DATAFLOW_TOPICS = {
  /** Raw crawled documents, as `ingest` (or any crawler) writes them. */
  documents: 'web.documents',
  /** Documents that passed the exact + SimHash near-duplicate page filter: extract's input. */
  uniqueDocuments: 'web.documents.unique',
  candidates: 'personas.candidates',
  unique: 'personas.unique',
} as const;

export const synthTopic = (scenario: ScenarioName) => `synth.${scenario}`;
export const SYNTH_TOPICS = SCENARIOS.map(synthTopic);

/** Math samples that passed verify-math (k independent solutions agreed, and matched the stated solution). */
export const VERIFIED_MATH_TOPIC = 'synth.math.verified';
