import { describe, expect, it } from 'vitest';
import { agreement, answersEqual, canonicalText, numericValue, statedAnswer } from '../../../src/stages/verify-math/answer.js';

describe('final answers', () => {
  it.each([
    ['50', 50],
    ['50.0', 50],
    ['50 minutes', 50],
    ['$1,200', 1200],
    ['\\boxed{3/4}', 0.75],
    ['$-2.5$', -2.5],
    ['x = 7', 7],
    ['12%', 12],
    ['1e3', 1000],
  ])('%s reads as the number %d', (text, value) => {
    expect(numericValue(text)).toBeCloseTo(value, 9);
  });

  it.each(['x = 3 or x = 5', 'north', '2 + x', '3/0', ''])('%j is not a number', (text) => {
    expect(numericValue(text)).toBeUndefined();
  });

  it('compares numbers within the tolerance and texts canonically', () => {
    expect(answersEqual('50', '50 minutes')).toBe(true);
    expect(answersEqual('0.75', '3/4')).toBe(true);
    expect(answersEqual('1,000,000', '1000000.0000001')).toBe(true);
    expect(answersEqual('50', '51')).toBe(false);
    expect(answersEqual('50', 'fifty')).toBe(false);
    expect(answersEqual('North, East, West.', 'north, east,  west')).toBe(true);
    expect(answersEqual('', '')).toBe(false);
    expect(canonicalText('  \\boxed{ABC}. ')).toBe('abc');
  });

  it('takes the stated answer from a worked solution: the last "answer" phrase, else the last number', () => {
    expect(statedAnswer('Step one gives 12. Step two gives 30. Answer: 42.')).toBe('42');
    expect(statedAnswer('The answer is 7 apples. Checking: 7 * 2 = 14.')).toBe('7 apples');
    expect(statedAnswer('t + 80 <= 130, so at most 50 minutes.')).toBe('50');
    expect(statedAnswer('It costs 1,250 euros in total')).toBe('1250');
    expect(statedAnswer('It cannot be decided without more data')).toBeUndefined();
  });

  it('agreement: the largest group of equal answers when it reaches minAgree', () => {
    expect(agreement(['42', '42.0', '41'], 2)).toEqual({ answer: '42', count: 2 });
    expect(agreement(['41', '42', '42 apples'], 2)).toEqual({ answer: '42', count: 2 });
    expect(agreement(['1', '2', '3'], 2)).toBeUndefined();
    expect(agreement(['42', '42', '41'], 3)).toBeUndefined();
    expect(agreement(['5', '5', '5'], 3)).toEqual({ answer: '5', count: 3 });
  });
});
