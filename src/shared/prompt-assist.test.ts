import { describe, expect, it } from 'vitest';
import { containsCjk } from './prompt-assist';

describe('containsCjk', () => {
  it.each([
    ['一只橘猫', true],
    ['a cat 在窗台上', true],
    ['ねこ', true],
    ['カメラ', true],
    ['고양이', true],
    ['a ginger cat, 4k', false],
    ['café, naïve, Ω', false],
    ['', false],
    ['，。', false],
  ])('%j → %s', (text, expected) => {
    expect(containsCjk(text)).toBe(expected);
  });
});
