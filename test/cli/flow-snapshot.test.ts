import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { activity, flowSnapshot, looksDrained } from '../../src/cli/flow-snapshot.js';
import { formatSummary, progressLine, summaryJson } from '../../src/cli/flow-report.js';
import { createMetrics } from '../../src/metrics/catalogue.js';

describe('flow snapshot (what up shows and uses to decide it has drained)', () => {
  it('sums metrics per stage and per topic, and judges draining by in-flight and lag', async () => {
    const m = createMetrics(new Registry());
    m.recordsIn.inc({ stage: 'extract', topic: 'web.documents.unique' }, 7);
    m.recordsOut.inc({ stage: 'extract', topic: 'personas.candidates' }, 12);
    m.recordsOut.inc({ stage: 'expand', topic: 'personas.candidates' }, 5);
    m.recordsOut.inc({ stage: 'synthesize-math', topic: 'synth.math' }, 9);
    m.recordsFiltered.inc({ stage: 'extract', reason: 'too_short' }, 1);
    m.recordsDeadLettered.inc({ stage: 'pagefilter', code: 'decode_failed' }, 1);
    m.llmTokens.inc({ stage: 'extract', scenario: 'none', model: 'm', direction: 'input' }, 100);
    m.llmTokens.inc({ stage: 'extract', scenario: 'none', model: 'm', direction: 'output' }, 30);
    m.inFlight.set({ stage: 'extract' }, 2);
    m.consumerLag.set({ stage: 'extract', topic: 't', partition: '0' }, 1);
    m.consumerLag.set({ stage: 'extract', topic: 't', partition: '1' }, 0);

    const s = await flowSnapshot(m);
    expect(s.topics).toEqual({ 'personas.candidates': 17, 'synth.math': 9 });
    expect(s.stages.extract).toMatchObject({ in: 7, out: 12, filtered: 1, inFlight: 2, lag: 1, maxPartitionLag: 1 });
    expect(s.deadLetteredByCode).toEqual({ decode_failed: 1 });
    expect(s.tokens).toEqual({ input: 100, output: 30 });
    const extractOnly = { extract: 'web.documents.unique' };
    expect(looksDrained(s, extractOnly)).toBe(false); // 2 in flight

    m.inFlight.set({ stage: 'extract' }, 0);
    const idle = await flowSnapshot(m);
    // extract's input is written from outside this process: judged by lag, 1 = a trailing transaction marker.
    expect(looksDrained(idle, { ...extractOnly, 'never-saw-a-record': 'synth.tool' })).toBe(true);
    m.consumerLag.set({ stage: 'extract', topic: 't', partition: '1' }, 5);
    const behind = await flowSnapshot(m);
    expect(looksDrained(behind, extractOnly)).toBe(false);
    expect(looksDrained(behind, extractOnly, { ignoreLag: true })).toBe(true);
    // dedup's input is written by stages of this process: judged by counts (17 committed to personas.candidates).
    m.recordsIn.inc({ stage: 'dedup', topic: 'personas.candidates' }, 16);
    const dedup = { dedup: 'personas.candidates' };
    expect(looksDrained(await flowSnapshot(m), dedup)).toBe(false);
    m.recordsIn.inc({ stage: 'dedup', topic: 'personas.candidates' }, 1);
    m.consumerLag.set({ stage: 'dedup', topic: 't', partition: '0' }, 4); // markers: lag does not matter here
    expect(looksDrained(await flowSnapshot(m), dedup)).toBe(true);
    // A stage with no series yet is drained only if nothing was written to its input.
    expect(looksDrained(await flowSnapshot(m), { 'not-started': 'synth.math' })).toBe(false);
    expect(activity(behind)).toBe(activity(idle)); // lag is not activity
    m.recordsIn.inc({ stage: 'extract', topic: 'web.documents.unique' });
    expect(activity(await flowSnapshot(m))).not.toBe(activity(behind));

    const text = formatSummary(idle, {
      ingest: { read: 10, produced: 9, skipped: { invalid_json: 1, no_text: 0, invalid_document: 0, non_text_record: 0, too_large: 0, produce_failed: 0 } },
      prefix: '',
      llmLabel: 'SIMULATOR',
      elapsedMs: 1000,
      drained: true,
    });
    expect(text).toMatch(/web\.documents\s+9/);
    expect(text).toMatch(/synth\.math\s+9/);
    expect(text).toMatch(/synth\.tool\s+0/);
    expect(text).toMatch(/synth\.math\.verified\s+0/); // verify-math's output is reported like the others
    expect(text).toContain('decode_failed=1');
    expect(text).toContain('invalid_json=1');
    expect(progressLine(idle, 9, 2000)).toContain('math=9');
  });

  it('reports what the stages consumed, also from other producers, and why records were filtered (issue #11)', async () => {
    const m = createMetrics(new Registry());
    // 731 documents written by a crawler, none by this run's ingest: the page filter consumed them all.
    m.recordsIn.inc({ stage: 'pagefilter', topic: 'web.documents' }, 731);
    m.recordsOut.inc({ stage: 'pagefilter', topic: 'web.documents.pagefilter.route' }, 731);
    m.recordsOut.inc({ stage: 'pagefilter-bands', topic: 'web.documents.unique' }, 700);
    m.recordsFiltered.inc({ stage: 'pagefilter-bands', reason: 'duplicate_near' }, 25);
    m.recordsFiltered.inc({ stage: 'pagefilter-bands', reason: 'duplicate_exact' }, 6);
    m.recordsFiltered.inc({ stage: 'extract', reason: 'too_short' }, 3);
    m.recordsFiltered.inc({ stage: 'extract', reason: 'stage' }, 0); // a primed zero series is not a reason
    // personas.unique is read by several groups: consumed = the furthest one.
    m.recordsIn.inc({ stage: 'expand', topic: 'personas.unique' }, 40);
    m.recordsIn.inc({ stage: 'synthesize-math', topic: 'personas.unique' }, 42);
    const s = await flowSnapshot(m);
    expect(s.consumed).toEqual({ 'web.documents': 731, 'personas.unique': 42 });
    expect(s.filteredByReason).toEqual({ duplicate_near: 25, duplicate_exact: 6, too_short: 3 });
    const text = formatSummary(s, { ingest: undefined, prefix: 'run-x.', llmLabel: 'SIMULATOR', elapsedMs: 1000, drained: true });
    expect(text).toMatch(/web\.documents\s+0\s+731/);
    expect(text).toContain('731 of the web.documents consumed were written by other producers');
    expect(text).toMatch(/pagefilter-bands .* duplicate_exact=6 duplicate_near=25/);
    expect(text).toContain('filtered: duplicate_exact=6 duplicate_near=25 too_short=3');
    expect(text).not.toMatch(/\bstage=\d/);
    // The end-of-run hint: two commands on two lines, no `|` that would read as a shell pipe.
    const hint = text.slice(text.indexOf('look at the results:'));
    const commands = hint.split('\n').filter((l) => l.trim().startsWith('personahub '));
    expect(commands).toEqual([
      '  personahub tail synth.math --prefix run-x. --from-beginning -n 2',
      '  personahub export --topic synth.tool --prefix run-x. --format jsonl > tool.jsonl',
    ]);
    expect(hint).not.toContain('|');
    const json = summaryJson(s, { ingest: undefined, prefix: '', llmLabel: 'SIMULATOR', elapsedMs: 1234, drained: true });
    expect(json.topics['web.documents']).toEqual({ written: 0, consumed: 731 });
    expect(json.stages.extract).toMatchObject({ filtered: 3, filteredBy: { too_short: 3 } });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
