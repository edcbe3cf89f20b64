import { describe, expect, it } from 'vitest';
import { cleanSuggestion } from './clean-suggestion';

describe('cleanSuggestion', () => {
  it.each([
    ['a red fox in snow', 'a red fox in snow'],
    ['  a red fox\nin snow  ', 'a red fox in snow'],
    ['"a red fox in snow"', 'a red fox in snow'],
    ['“a red fox in snow”', 'a red fox in snow'],
    ['「一只红狐狸」', '一只红狐狸'],
    ['```\na red fox in snow\n```', 'a red fox in snow'],
    ['```text\n"a red fox in snow"\n```', 'a red fox in snow'],
    ['**a red fox in snow**', 'a red fox in snow'],
    ['Enhanced prompt: a red fox in snow', 'a red fox in snow'],
    ['**Prompt:** a red fox in snow', 'a red fox in snow'],
    ['Here\'s the improved prompt: "a red fox"', 'a red fox'],
    ['Translation: a ginger cat', 'a ginger cat'],
    ['英文提示词：a ginger cat', 'a ginger cat'],
    ['# A red fox', 'A red fox'],
  ])('%j → %j', (answer, expected) => {
    expect(cleanSuggestion(answer)).toBe(expected);
  });

  it('leaves quotes and colons inside the text alone', () => {
    expect(cleanSuggestion('a sign reading "OPEN" and "CLOSED"')).toBe('a sign reading "OPEN" and "CLOSED"');
    expect(cleanSuggestion('"OPEN" and "CLOSED" signs')).toBe('"OPEN" and "CLOSED" signs');
    expect(cleanSuggestion('ratio 16:9, style: watercolor')).toBe('ratio 16:9, style: watercolor');
    expect(cleanSuggestion('Style: watercolor, a fox')).toBe('Style: watercolor, a fox');
  });

  it('gives an empty string when only wrapping is left', () => {
    expect(cleanSuggestion('""')).toBe('');
    expect(cleanSuggestion('```\n```')).toBe('');
    expect(cleanSuggestion('   ')).toBe('');
  });
});
