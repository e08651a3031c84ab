import { describe, expect, it } from 'vitest';
import { InventoryBuilder, formatInventory } from '../../src/dlq/inventory.js';
import { TARGET, T0, deadLetter } from './fixtures.js';

describe('dlq list counts', () => {
  it('groups by kind and code with oldest and newest time and how many came back from a replay', () => {
    const b = new InventoryBuilder(TARGET);
    b.add(deadLetter({ offset: 0, at: T0 + 5_000 }));
    b.add(deadLetter({ offset: 1, at: T0 }));
    b.add(deadLetter({ offset: 2, replay: { id: 'r', attempt: 1, fromOffset: 0 }, at: T0 + 9_000 }));
    b.add(deadLetter({ offset: 3, kind: 'poison', code: 'schema_invalid' }));
    b.add({ ...deadLetter({ offset: 4 }), headers: {} });
    const inv = b.build(true);
    expect(inv).toMatchObject({ topic: TARGET.dlqTopic, stage: 'synthesize-math', exists: true, total: 5 });
    expect(inv.groups).toEqual([
      { kind: 'retriable', code: 'llm_connection', count: 3, afterReplay: 1, oldest: '2026-11-25T10:00:00.000Z', newest: '2026-11-25T10:00:09.000Z' },
      { kind: '-', code: 'not_a_dead_letter', count: 1, afterReplay: 0, oldest: '2026-11-25T10:00:04.000Z', newest: '2026-11-25T10:00:04.000Z' },
      { kind: 'poison', code: 'schema_invalid', count: 1, afterReplay: 0, oldest: '2026-11-25T10:00:03.000Z', newest: '2026-11-25T10:00:03.000Z' },
    ]);
    const text = formatInventory([inv, new InventoryBuilder({ ...TARGET, dlqTopic: 'p.personas.unique.dlq.expand', stage: 'expand' }).build(false)], 'p.');
    expect(text).toContain('dead-letter topics (prefix "p.", not shown in names): 2, 1 with records, 5 dead letters');
    expect(text).toMatch(/personas\.unique\.dlq\.synthesize-math\s+synthesize-math\s+retriable\s+llm_connection\s+3\s+1\s+2026-11-25T10:00:00.000Z/);
    expect(text).toMatch(/personas\.unique\.dlq\.expand\s+expand\s+\(missing\)/);
    expect(text).toContain('`personahub topics apply` creates them');
  });
});
