import { describe, expect, it } from 'vitest';
import { stageInputs } from '../../src/dataflow/manifest.js';
import { DlqUsageError } from '../../src/dlq/errors.js';
import { dlqTopicsFor, resolveTarget } from '../../src/dlq/target.js';

describe('dead-letter topic → stage input (from the dataflow manifest)', () => {
  const stages = stageInputs();

  it.each([
    ['personas.unique.dlq.synthesize-math', { stage: 'synthesize-math', input: 'personas.unique', inputTopic: 'personas.unique', prefix: '' }],
    ['t-1.personas.unique.dlq.expand', { stage: 'expand', input: 'personas.unique', inputTopic: 't-1.personas.unique', prefix: 't-1.' }],
    ['web.documents.pagefilter.route.dlq.pagefilter-bands', { stage: 'pagefilter-bands', input: 'web.documents.pagefilter.route', prefix: '' }],
    ['x.dlq.y.web.documents.dlq.pagefilter', { stage: 'pagefilter', input: 'web.documents', inputTopic: 'x.dlq.y.web.documents', prefix: 'x.dlq.y.' }],
  ])('%s', (topic, expected) => {
    expect(resolveTarget(topic, stages)).toMatchObject({ dlqTopic: topic, ...expected });
  });

  it.each(['personas.unique', 'personas.unique.dlq.nosuchstage', 'web.documents.dlq.extract'])('%s is refused: not a dead-letter topic of the dataflow', (topic) => {
    expect(() => resolveTarget(topic, stages)).toThrow(DlqUsageError);
    expect(() => resolveTarget(topic, stages)).toThrow(/is not a dead-letter topic of the dataflow/);
  });

  it('lists one dead-letter topic per stage input', () => {
    const all = dlqTopicsFor('p.', stages);
    expect(all.map((t) => t.dlqTopic)).toContain('p.personas.unique.dlq.synthesize-math');
    expect(all).toHaveLength(stages.length);
    for (const t of all) expect(resolveTarget(t.dlqTopic, stages)).toEqual(t);
  });
});
