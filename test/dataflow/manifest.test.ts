import { describe, expect, it } from 'vitest';
import { dataflowManifest, stageInputs } from '../../src/dataflow/manifest.js';
import { dlqTopic } from '../../src/contracts/dlq.js';
import { groupIdFor } from '../../src/runtime/names.js';
import { ALL_TOPIC_DEFS, STAGE_INPUTS } from '../../topics/index.js';
import { deployStages } from '../../deploy/manifests/stages.js';

describe('dataflow manifest (derived from the stages themselves)', () => {
  const units = dataflowManifest();
  const declared = new Set(ALL_TOPIC_DEFS.map((t) => t.name));

  it('lists every unit in flow order, the dedup filters with their -bands half', () => {
    expect(units.slice(0, 4).map((u) => u.name)).toEqual(['pagefilter', 'extract', 'dedup', 'expand']);
    expect(units.find((u) => u.name === 'dedup')!.stages.map((s) => s.stage)).toEqual(['dedup', 'dedup-bands']);
    expect(units.filter((u) => u.name.startsWith('synthesize-'))).toHaveLength(6);
  });

  it('every input and output a stage declares is a topic of topics/, and every stage has its dead-letter topic', () => {
    for (const s of units.flatMap((u) => u.stages)) {
      for (const t of [s.input, ...s.outputs]) expect(declared.has(t), `${s.stage}: ${t}`).toBe(true);
      expect(declared.has(s.deadLetterTopic), `${s.stage}: ${s.deadLetterTopic}`).toBe(true);
      expect(s.deadLetterTopic).toBe(dlqTopic(s.input, s.stage));
      expect(s.groupId).toBe(groupIdFor(s.stage));
    }
    expect(STAGE_INPUTS).toEqual(stageInputs());
  });

  it('the stateful stages declare their changelog (a compacted topic)', () => {
    const withStore = units.flatMap((u) => u.stages).filter((s) => s.changelogTopic);
    expect(withStore.map((s) => s.stage).sort()).toEqual(['dedup-bands', 'pagefilter-bands']);
    for (const s of withStore) expect(ALL_TOPIC_DEFS.find((t) => t.name === s.changelogTopic)?.cleanupPolicy).toBe('compact');
  });

  it('the deploy units are the manifest units, consumer groups included', () => {
    expect(deployStages().map((d) => d.name)).toEqual(units.map((u) => u.name));
    for (const d of deployStages()) {
      const unit = units.find((u) => u.name === d.name)!;
      expect(d.consumers.map((c) => [c.stage, c.groupId, c.topic])).toEqual(unit.stages.map((s) => [s.stage, s.groupId, s.input]));
    }
  });
});
