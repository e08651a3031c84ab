import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { loadConfig } from '../../src/config/load.js';
import { createMetrics } from '../../src/metrics/catalogue.js';
import { createLogger } from '../../src/logger.js';
import { jsonCodec } from '../../src/runtime/json-codec.js';
import { FILTER_REASONS, filtered, type Stage } from '../../src/runtime/stage.js';
import { processRecord, type RawRecord } from '../../src/runtime/record-processor.js';
import { createExtractStage, extractStageConfig } from '../../src/stages/extract/process.js';
import { fakeLlm, silentLogger } from './fake-llm.js';

/**
 * Issue #11 defect 6: every filter names its reason in personahub_records_filtered_total{reason} (no more
 * `stage`), through the record processor the runtime uses for every record.
 */
const raw = (value: unknown): RawRecord => ({
  meta: { topic: 'p.in', partition: 0, offset: '1', key: 'k', timestamp: '0', headers: {} },
  key: Buffer.from('k'),
  value: Buffer.from(JSON.stringify(value)),
});

function deps(stage: Stage<any>) {
  return {
    stage: stage as Stage<unknown>,
    codec: jsonCodec,
    metrics: createMetrics(new Registry()),
    logger: createLogger('test', 'silent'),
    retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 },
    physical: (t: string) => t,
    dlqTopic: 'p.in.dlq.s',
  };
}
const reasons = async (d: ReturnType<typeof deps>) =>
  Object.fromEntries((await d.metrics.recordsFiltered.get()).values.map((v) => [v.labels.reason, v.value]));

describe('filter reasons', () => {
  it('a too-short document is counted as too_short, with no LLM call', async () => {
    const llm = fakeLlm(() => ({ personas: [] }));
    const d = deps(createExtractStage(extractStageConfig(loadConfig()), { llm: llm.client, logger: silentLogger }));
    const doc = { id: 'd', url: 'https://example.org/', text: 'too short to use', fetchedAt: '2026-01-01T00:00:00Z', source: 's' };
    const r = await processRecord(d, raw(doc), new AbortController().signal);
    expect(r).toMatchObject({ outcome: 'filtered', filterReason: 'too_short', messages: [] });
    expect(await reasons(d)).toEqual({ too_short: 1 });
    expect(llm.requests).toHaveLength(0);
  });

  it('a stage names any reason of the closed set; a bare [] still works and counts as unspecified', async () => {
    const In = z.object({ r: z.enum(FILTER_REASONS).or(z.literal('none')) });
    const stage: Stage<z.infer<typeof In>> = {
      name: 's',
      input: { topic: 'in', schema: In },
      outputs: {},
      ordering: 'unordered',
      process: async ({ r }) => (r === 'none' ? [] : filtered(r)),
    };
    const d = deps(stage);
    for (const r of [...FILTER_REASONS, 'none', 'duplicate_near']) await processRecord(d, raw({ r }), new AbortController().signal);
    const counted = await reasons(d);
    expect(counted).toEqual({ ...Object.fromEntries(FILTER_REASONS.map((r) => [r, 1])), duplicate_near: 2, unspecified: 2 });
    expect(counted.stage).toBeUndefined();
  });
});
