import { describe, expect, it } from 'vitest';
import { themeFromPrompt } from './theme';

describe('themeFromPrompt', () => {
  it.each([
    ['a calm ocean', 'ocean', 'day'],
    ['Sunsets over the sea', 'ocean', 'sunset'],
    ['city streets at night', 'city', 'night'],
    ['a pine forest', 'forest', 'day'],
    ['dunes in the desert at dawn', 'desert', 'sunset'],
    ['a snowy mountain', 'snow', 'day'],
    ['tulips in a garden', 'bloom', 'day'],
    ['a cat wearing a hat', 'abstract', 'day'],
    ['夜晚的城市', 'city', 'night'],
    ['森林里的日落', 'forest', 'sunset'],
  ])('%s → %s by %s', (prompt, scene, light) => {
    expect(themeFromPrompt(prompt)).toMatchObject({ scene, light });
  });

  it('takes the keyword that comes first', () => {
    expect(themeFromPrompt('a forest by the ocean').scene).toBe('forest');
    expect(themeFromPrompt('an ocean by the forest').scene).toBe('ocean');
  });

  it('matches whole words only', () => {
    expect(themeFromPrompt('seasoned starfruit').scene).toBe('abstract');
    expect(themeFromPrompt('seasoned starfruit').light).toBe('day');
  });

  it('lets the negative prompt rule scenes and lights out', () => {
    expect(themeFromPrompt('a forest by the ocean', 'forest')).toMatchObject({ scene: 'ocean' });
    expect(themeFromPrompt('moonlit city', 'moon, night')).toMatchObject({ scene: 'city', light: 'day' });
  });

  it('gives every other word its own hue, the same every time', () => {
    const cat = themeFromPrompt('a cat wearing a hat');
    expect(themeFromPrompt('a cat wearing a hat')).toEqual(cat);
    expect(cat.hues).toHaveLength(3);
    expect(themeFromPrompt('a dog wearing a hat').hues).not.toEqual(cat.hues);
    expect(themeFromPrompt('a dog wearing a hat').palette).not.toEqual(cat.palette);
  });

  it('warms a sunset that names nothing else', () => {
    expect(themeFromPrompt('sunset').hues).toEqual([18]);
  });

  it('keeps flowers off green', () => {
    for (const prompt of ['flower garden', 'roses and lilies', 'spring meadow with bees']) {
      for (const hue of themeFromPrompt(prompt).hues) {
        const wrapped = hue % 360;
        expect(wrapped >= 300 || wrapped < 60).toBe(true);
      }
    }
  });

  it('writes colours as #rrggbb', () => {
    const { palette } = themeFromPrompt('anything at all');
    const colours = [
      ...palette.sky,
      palette.glow,
      ...palette.layers,
      ...palette.accents,
      palette.paper,
      palette.ink,
    ];
    for (const colour of colours) expect(colour).toMatch(/^#[0-9a-f]{6}$/);
  });
});
