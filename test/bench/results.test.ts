import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TABLE_END, TABLE_FILE, TABLE_START, readResults, recordResults, renderTable, writeTable } from '../../bench/results.js';
import { tempDir } from '../support/temp-dir.js';

const r = (name: string, value: number) => ({ name, value, unit: 'records/s', conditions: 'c | d', at: '2026-11-25T00:00:00.000Z' });

describe('bench results', () => {
  it('recordResults replaces same-name entries and keeps the others', () => {
    const file = join(tempDir('bench-'), 'latest.json');
    recordResults([r('a', 1), r('b', 2)], file);
    recordResults([r('b', 3), r('c', 4)], file);
    expect(readResults(file).map((x) => [x.name, x.value])).toEqual([['a', 1], ['b', 3], ['c', 4]]);
  });

  it('writeTable rewrites only the text between the markers', () => {
    const file = join(tempDir('bench-'), 'b.md');
    writeFileSync(file, `# B\n\nintro\n\n${TABLE_START}\nold table\n${TABLE_END}\n\nafter\n`);
    writeTable([r('x', 1234.5)], file);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('intro');
    expect(text).toContain('after');
    expect(text).not.toContain('old table');
    expect(text).toContain('| x | 1235 | records/s | c \\| d | 2026-11-25 |');
  });

  it('renderTable formats small values with precision', () => {
    expect(renderTable([r('y', 0.01234)])).toContain('| y | 0.0123 |');
  });

  it('the README table is the one generated from bench/results/latest.json (no hand edits, no drift)', () => {
    const readme = readFileSync(TABLE_FILE, 'utf8');
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + TABLE_START.length, end).trim()).toBe(renderTable(readResults()).trim());
  });
});
