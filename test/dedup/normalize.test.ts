import { describe, expect, it } from 'vitest';
import { exactKey, normalize, personaId, words } from '../../src/dedup/normalize.js';

describe('normalize', () => {
  it.each([
    ['A Pediatric Nurse.', 'a pediatric nurse'],
    ['  many   spaces\tand\nlines ', 'many spaces and lines'],
    ["the nurse's shift", 'the nurses shift'],
    ['the nurse\u2019s shift', 'the nurses shift'],
    ['well-known, data—driven!', 'well known data driven'],
    ['ＡＢＣ ｆｕｌｌ width', 'abc full width'],
    ['café naïve', 'café naïve'],
    ['...', ''],
  ])('%j -> %j', (input, expected) => {
    expect(normalize(input)).toBe(expected);
    expect(normalize(normalize(input))).toBe(expected); // idempotent
  });

  it('splits words of the normalised text', () => {
    expect(words('A nurse, who cares.')).toEqual(['a', 'nurse', 'who', 'cares']);
    expect(words('  ')).toEqual([]);
  });
});

describe('personaId / exactKey', () => {
  it.each([
    ['A pediatric nurse who works nights.', 'a PEDIATRIC nurse, who works nights', true],
    ['A pediatric nurse who works nights.', 'A geriatric nurse who works nights.', false],
    ['A nurse', 'A  nurse ', true],
    ['nurse who', 'who nurse', false],
  ])('%j vs %j same=%s', (a, b, same) => {
    expect(personaId(a) === personaId(b)).toBe(same);
  });

  it('is a stable 128-bit hex id (pinned: changing it is a migration)', () => {
    expect(personaId('A nurse.')).toMatch(/^[0-9a-f]{32}$/);
    expect(personaId('A nurse.')).toBe('19ec70d333f07585822c9003f0c7cefd');
    expect(exactKey('A nurse.')).toBe(personaId('A nurse.'));
  });
});

describe('normalize ASCII fast path', () => {
  it('equals the Unicode path on random ASCII strings', () => {
    const slow = (t: string) =>
      t.normalize('NFKC').toLowerCase().replace(/(?<=[\p{L}\p{N}])['\u2019\u02bc](?=[\p{L}\p{N}])/gu, '').replace(/[^\p{L}\p{N}\p{M}]+/gu, ' ').trim();
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: Math.floor(rnd() * 40) }, () => String.fromCharCode(32 + Math.floor(rnd() * 95))).join('');
      expect(normalize(s)).toBe(slow(s));
    }
  });
});
