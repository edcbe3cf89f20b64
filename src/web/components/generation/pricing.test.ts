import { describe, expect, it } from 'vitest';
import { localModel, noSeedModel, ratioModel } from '../../../../tests/support/generation-fixtures';
import {
  costOf,
  creditsPerImage,
  dimensionsLabel,
  groupByProvider,
  hasPriceTiers,
  priceRange,
  ratioLabel,
  ratioParts,
  shapeBox,
} from './pricing';

const noChoice = { size: null, aspectRatio: null, resolution: null };

describe('prices of a model', () => {
  it('spans its sizes or resolutions', () => {
    expect(priceRange(localModel)).toEqual({ min: 1, max: 2 });
    expect(priceRange(ratioModel)).toEqual({ min: 3, max: 5 });
    expect(priceRange(noSeedModel)).toEqual({ min: 4, max: 4 });
    expect(hasPriceTiers(localModel)).toBe(true);
    expect(hasPriceTiers(noSeedModel)).toBe(false);
  });

  it('prices the chosen size, the chosen resolution, or the default (first) one', () => {
    expect(creditsPerImage(localModel, { ...noChoice, size: '1344x768' })).toBe(2);
    expect(creditsPerImage(localModel, noChoice)).toBe(1);
    expect(creditsPerImage(ratioModel, { ...noChoice, aspectRatio: '16:9', resolution: '2K' })).toBe(5);
    expect(creditsPerImage(ratioModel, { ...noChoice, aspectRatio: '16:9' })).toBe(3);
  });

  it('has no price for something the model does not offer', () => {
    expect(creditsPerImage(localModel, { ...noChoice, size: '2048x2048' })).toBeUndefined();
    expect(creditsPerImage(ratioModel, { ...noChoice, resolution: '8K' })).toBeUndefined();
    expect(costOf(localModel, { ...noChoice, size: '2048x2048' }, 2)).toBeUndefined();
  });

  it('multiplies the price per image by the number of images', () => {
    expect(costOf(localModel, { ...noChoice, size: '1024x1024' }, 4)).toEqual({
      images: 4,
      perImage: 2,
      total: 8,
    });
    expect(costOf(ratioModel, { ...noChoice, resolution: '1K' }, 1)).toEqual({
      images: 1,
      perImage: 3,
      total: 3,
    });
  });
});

describe('ratio labels', () => {
  it.each([
    [1024, 1024, '1:1'],
    [1024, 768, '4:3'],
    [768, 1024, '3:4'],
    [1344, 768, '7:4'],
    [2560, 1440, '16:9'],
    [2496, 1664, '3:2'],
    [3024, 1296, '7:3'],
    [1920, 1080, '16:9'],
  ])('%i x %i is %s', (width, height, label) => {
    expect(ratioLabel(width, height)).toBe(label);
  });

  it('approximates awkward sizes to a ratio people know', () => {
    expect(ratioLabel(1000, 563)).toBe('≈16:9');
    expect(ratioLabel(563, 1000)).toBe('≈9:16');
  });

  it('falls back to a decimal when nothing common is close', () => {
    expect(ratioLabel(1421, 1000)).toBe('1.42:1');
    expect(ratioLabel(1000, 1421)).toBe('1:1.42');
  });

  it('gives nothing for a size without area', () => {
    expect(ratioLabel(0, 100)).toBe('');
  });

  it('writes dimensions with a multiplication sign', () => {
    expect(dimensionsLabel(1024, 768)).toBe('1024 × 768');
  });
});

describe('ratio shapes', () => {
  it('reads "W:H" and survives nonsense', () => {
    expect(ratioParts('16:9')).toEqual({ width: 16, height: 9 });
    expect(ratioParts('≈16:9')).toEqual({ width: 16, height: 9 });
    expect(ratioParts('wide')).toEqual({ width: 1, height: 1 });
    expect(ratioParts('0:3')).toEqual({ width: 1, height: 1 });
  });

  it('fits a box of the same shape into a square', () => {
    expect(shapeBox(16, 9, 32)).toEqual({ width: 32, height: 18 });
    expect(shapeBox(9, 16, 32)).toEqual({ width: 18, height: 32 });
    expect(shapeBox(1, 100, 32)).toEqual({ width: 4, height: 32 });
  });
});

describe('provider groups', () => {
  it('groups models by provider in the order they come, with a group for models without one', () => {
    const second = { ...localModel, id: 'local-sketch' };
    const orphan = { ...noSeedModel, id: 'orphan', provider: null };
    const groups = groupByProvider([localModel, ratioModel, second, orphan]);
    expect(groups.map((g) => [g.id, g.name, g.models.map((m) => m.id)])).toEqual([
      ['local', 'Local preview (offline)', ['local-preview', 'local-sketch']],
      ['fal', 'fal.ai', ['flux']],
      ['', null, ['orphan']],
    ]);
  });
});
