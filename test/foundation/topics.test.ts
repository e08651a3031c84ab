import { describe, expect, it } from 'vitest';
import { ALL_TOPIC_DEFS, STAGE_INPUTS, topicsFor } from '../../topics/index.js';
import { SCENARIOS, dlqTopic } from '../../src/contracts/index.js';
import { DATAFLOW_TOPICS, SYNTH_TOPICS } from '../../src/stages/topics.js';

// Kafka's own rule for topic names (kafka.common.Topic): legal characters and at most 249 of them.
const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const byName = new Map(ALL_TOPIC_DEFS.map((d) => [d.name, d]));

describe('topic definitions', () => {
  it('have unique, legal names and sane partition counts', () => {
    expect(byName.size).toBe(ALL_TOPIC_DEFS.length);
    for (const d of ALL_TOPIC_DEFS) {
      expect(d.name, d.name).toMatch(LEGAL_NAME);
      expect(Number.isInteger(d.partitions) && d.partitions >= 1 && d.partitions <= 1000, d.name).toBe(true);
      expect(d.description.length, d.name).toBeGreaterThan(10);
    }
  });

  it('cover every topic the stages read and write', () => {
    for (const name of [...Object.values(DATAFLOW_TOPICS), ...SYNTH_TOPICS]) expect(byName.has(name), name).toBe(true);
    for (const s of SCENARIOS) expect(byName.get(`synth.${s}`)?.value?.schemaName).toBe(`synth-${s}`);
  });

  it('give every stage input a dead-letter topic named <input>.dlq.<stage>, without a value contract', () => {
    expect(STAGE_INPUTS.map((s) => s.stage)).toEqual(
      expect.arrayContaining(['extract', 'dedup', 'expand', ...SCENARIOS.map((s) => `synthesize-${s}`)]),
    );
    for (const { stage, input } of STAGE_INPUTS) {
      expect(byName.has(input), `input ${input} of ${stage}`).toBe(true);
      const dlq = byName.get(dlqTopic(input, stage));
      expect(dlq, `dlq of ${stage}`).toBeDefined();
      expect(dlq!.value).toBeUndefined();
      expect(dlq!.cleanupPolicy).toBe('delete');
      expect(dlq!.retentionMs).toBeGreaterThan(0);
    }
  });

  it('give every dead-letter topic an existing input and no value contract (it carries the original bytes)', () => {
    const dlqs = ALL_TOPIC_DEFS.filter((d) => d.name.includes('.dlq.'));
    expect(dlqs.length).toBeGreaterThanOrEqual(STAGE_INPUTS.length);
    for (const d of dlqs) {
      expect(byName.has(d.name.slice(0, d.name.indexOf('.dlq.'))), `input of ${d.name}`).toBe(true);
      expect(d.value, d.name).toBeUndefined();
    }
  });

  it('give every dataflow and synth topic a value contract, and keep changelogs compacted', () => {
    for (const name of [...Object.values(DATAFLOW_TOPICS), ...SYNTH_TOPICS]) expect(byName.get(name)?.value, name).toBeDefined();
    const changelogs = ALL_TOPIC_DEFS.filter((d) => d.name.endsWith('.changelog'));
    expect(changelogs.length).toBeGreaterThan(0);
    for (const c of changelogs) {
      expect(c.cleanupPolicy, c.name).toMatch(/^compact/);
      expect(c.retentionMs, c.name).toBeUndefined();
    }
  });
});

describe('topicsFor', () => {
  it('prefixes names and subjects, and renders configs as the strings Kafka reports', () => {
    const topics = topicsFor({ prefix: 'p1.', replicationFactor: 3 });
    expect(topics).toHaveLength(ALL_TOPIC_DEFS.length);
    const unique = topics.find((t) => t.baseName === 'personas.unique')!;
    expect(unique.name).toBe('p1.personas.unique');
    expect(unique.valueSubject).toBe('p1.personas.unique-value');
    expect(unique.replicationFactor).toBe(3);
    expect(unique.configs).toMatchObject({ 'cleanup.policy': 'delete', 'retention.ms': '-1', 'min.insync.replicas': '2' });
    for (const t of topics) for (const v of Object.values(t.configs)) expect(typeof v).toBe('string');
  });

  it('defaults to the single-node stack: no prefix, replication 1, min.insync.replicas 1', () => {
    const docs = topicsFor().find((t) => t.name === 'web.documents')!;
    expect(docs.replicationFactor).toBe(1);
    expect(docs.configs['min.insync.replicas']).toBe('1');
    expect(docs.configs['retention.ms']).toBe(String(7 * 24 * 3600 * 1000));
  });
});
