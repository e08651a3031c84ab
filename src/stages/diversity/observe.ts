import type { Logger } from 'pino';
import type { Persona } from '../../contracts/persona.js';
import type { ScenarioName } from '../../contracts/scenarios.js';
import type { LlmClient } from '../../llm/types.js';
import type { Metrics } from '../../metrics/catalogue.js';
import { AttributeCoverage } from './coverage.js';
import { DistinctWindow, outputText } from './ngrams.js';
import { SimilaritySample } from './similarity.js';
import type { DiversityConfig } from './spec.js';

/** The label of the embedding calls made for the similarity sample (kept apart from the stage's own LLM calls). */
export const DIVERSITY_EMBED_STAGE = 'diversity-sample';

/**
 * What synthesize reports about one scenario's outputs: distinct-1 and distinct-2 over a sliding window, and the
 * mean pairwise embedding similarity of a sample (every `embeddingEvery`-th output is embedded through the LLM
 * layer). Observation never fails or delays a record: the embedding call runs after the record, at most one at a
 * time per scenario (outputs arriving meanwhile are skipped), and a failure is logged once and only stops the
 * sample after three in a row (an endpoint without embeddings). Outputs answered from the LLM response cache are
 * counted in distinct-n but not embedded: a cached run replays outputs already sampled when they were first made,
 * and must not send requests (a fully cached run sends none).
 */
export class ScenarioDiversity {
  private readonly distinct: DistinctWindow;
  private readonly sample: SimilaritySample;
  private seen = 0;
  private embedding = false;
  private failures = 0;

  constructor(
    private readonly scenario: ScenarioName,
    private readonly cfg: DiversityConfig,
    private readonly metrics: Metrics,
    private readonly llm: LlmClient,
    private readonly logger: Logger,
  ) {
    this.distinct = new DistinctWindow(cfg.window);
    this.sample = new SimilaritySample(cfg.embeddingSample);
  }

  observe(output: unknown, o: { fromCache?: boolean } = {}): void {
    const text = outputText(output);
    this.distinct.add(text);
    for (const n of [1, 2]) {
      const d = this.distinct.distinct(n);
      if (d !== undefined) this.metrics.synthDistinctNgrams.set({ scenario: this.scenario, n: String(n) }, d);
    }
    this.seen++;
    const every = this.cfg.embeddingEvery;
    if (every === 0 || o.fromCache || this.failures >= 3 || this.embedding || (this.seen - 1) % every !== 0 || text === '') return;
    this.embedding = true;
    this.llm
      .embed({ stage: DIVERSITY_EMBED_STAGE, input: [text] })
      .then((r) => {
        this.failures = 0;
        const v = r.vectors[0];
        if (!v) return;
        this.sample.add(v);
        const mean = this.sample.mean();
        if (mean !== undefined) this.metrics.synthEmbeddingSimilarity.set({ scenario: this.scenario }, mean);
      })
      .catch((e: unknown) => {
        if (this.failures++ === 0) this.logger.warn({ err: e, scenario: this.scenario }, 'embedding for the diversity sample failed (similarity gauge not updated)');
      })
      .finally(() => {
        this.embedding = false;
      });
  }
}

/**
 * What the stage that consumes personas.unique once (expand) reports about the personas: unique personas per hop,
 * and per attribute how many values are new (coverage).
 */
export class PersonaDiversity {
  private readonly coverage: AttributeCoverage;

  constructor(
    cfg: DiversityConfig,
    private readonly metrics: Metrics,
  ) {
    this.coverage = new AttributeCoverage(cfg.maxAttributeValues);
  }

  observe(persona: Persona): void {
    this.metrics.uniquePersonas.inc({ hop: String(persona.hop) });
    for (const { attribute, novelty } of this.coverage.observe(persona.attributes)) {
      this.metrics.personaAttributeValues.inc({ attribute, novelty });
      if (novelty === 'new') this.metrics.personaAttributeDistinct.set({ attribute }, this.coverage.distinct(attribute));
    }
  }
}
