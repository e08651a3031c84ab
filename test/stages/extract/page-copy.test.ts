import { describe, expect, it } from 'vitest';
import { COPY_RUN_WORDS, copiedPassage } from '../../../src/stages/extract/page-copy.js';

const page =
  'Rinse the red lentils until the water runs clear, then simmer with 800 ml of water, half a teaspoon of turmeric ' +
  'and a pinch of salt for 20 minutes. For the tadka, heat two tablespoons of ghee until shimmering.';

describe('copiedPassage (a persona that pastes its page)', () => {
  it('finds a pasted sentence, whatever its case and punctuation', () => {
    const persona = 'RINSE the red-lentils until the water runs clear; then simmer with 800 ml of water';
    expect(copiedPassage(persona, page)).toBe('rinse the red lentils until the water runs clear then');
  });

  it('finds the whole page echoed back', () => {
    expect(copiedPassage(page, page)).toBeDefined();
  });

  it(`needs ${COPY_RUN_WORDS} consecutive words: one fewer is not a passage`, () => {
    const nine = 'the red lentils until the water runs clear then';
    expect(nine.split(' ')).toHaveLength(COPY_RUN_WORDS - 1);
    expect(copiedPassage(`A cook who reads "${nine}" twice`, page)).toBeUndefined();
    expect(copiedPassage(`A cook who reads "${nine} simmer" twice`, page)).toBeDefined();
  });

  it('passes a description in its own words, even one sharing many of the page words', () => {
    const persona = 'A home cook learning Indian dal recipes who wants the lentils creamy and the tadka of ghee not burnt';
    expect(copiedPassage(persona, page)).toBeUndefined();
  });

  it('passes words of the page that are not consecutive there', () => {
    const persona = 'the water the lentils the salt the ghee the turmeric the tadka the minutes';
    expect(copiedPassage(persona, page)).toBeUndefined();
  });
});
