import { Registry } from 'prom-client';
import { expect } from 'vitest';
import { describeStageConformance } from '../runtime/conformance.js';
import { testConfig, testKafka } from '../runtime/helpers.js';
import { createMetrics } from '../../src/metrics/catalogue.js';
import { createLogger } from '../../src/logger.js';
import type { Persona } from '../../src/contracts/persona.js';
import type { WebDocument } from '../../src/contracts/web-document.js';
import { personaId } from '../../src/dedup/normalize.js';
import { createEntryStage } from '../../src/dedup/stream/stages.js';
import { documentStreamSpec, personaStreamSpec } from '../../src/dedup/stream/specs.js';

/** The runtime's shared conformance suite for the dedup stages (entry stages and the stateful bands stage). */
const cfg = testConfig().dedup;
const deps = (topicPrefix: string) => ({ kafka: testKafka(), metrics: createMetrics(new Registry()), logger: createLogger('conf', 'error'), topicPrefix });

const texts = ['A pediatric nurse who works nights in a rural clinic.', 'A retired ship captain who restores lighthouses.'];
const persona = (text: string): Persona => ({
  id: personaId(text),
  text,
  hop: 1,
  perspective: 'relation',
  rootDocId: 'd',
  rootUrl: 'u',
  provenance: { stage: 'expand', model: 'm', simulated: true, promptId: 'p', promptVersion: '1', params: {}, usage: { inputTokens: 1, outputTokens: 1 }, createdAt: '2024-01-01T00:00:00Z' },
});

describeStageConformance<Persona>('dedup (persona entry)', ({ topicPrefix }) => createEntryStage(personaStreamSpec(cfg), deps(topicPrefix)), {
  valid: texts.map(persona),
  keyOf: (p) => p.id,
  check: (out) => expect(out['personas.dedup.route']).toHaveLength(4),
});

const page = (id: string, text: string): WebDocument => ({ id, url: `https://example.org/${id}`, text, fetchedAt: '2024-01-01T00:00:00Z', source: 'test' });
describeStageConformance<WebDocument>('pagefilter (page entry)', ({ topicPrefix }) => createEntryStage(documentStreamSpec(cfg), deps(topicPrefix)), {
  valid: [page('a', texts[0]!.repeat(20)), page('b', texts[1]!.repeat(20))],
  keyOf: (p) => p.id,
});

// The stateful dedup-bands stage reads and writes the same route topic, which the suite's topic setup does not
// allow yet (it creates input and outputs in one call: "multiple entries for the same topic"); it is covered by
// test/dedup/stream.int.test.ts and test/dedup/stream-protocol.test.ts instead.
