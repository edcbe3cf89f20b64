import { describe, expect, it } from 'vitest';
import { translate } from '../../i18n/server';
import type { ModelDefinition } from './capabilities';
import {
  nominalSize,
  priceFor,
  resolveRequestShape,
  shapeErrorCodes,
  shapeErrorToFieldError,
  type ShapeError,
} from './request-shape';

const common = {
  textToImage: true,
  imageToImage: false,
  maxReferenceImages: 0,
  maxImages: 4,
  seed: true,
  negativePrompt: true,
  maxPromptLength: 4000,
};

/** Shaped by sizes, like the local renderer. */
const sized: ModelDefinition = {
  capabilities: {
    ...common,
    sizes: [
      { size: '512x512', tier: 'standard' },
      { size: '1024x1024', tier: 'hd' },
      { size: '1344x768', tier: 'hd' },
    ],
  },
  pricing: { perImage: { standard: 1, hd: 2 } },
};

/** Shaped by aspect ratio and resolution, like Gemini; takes up to 3 reference images. */
const byRatio: ModelDefinition = {
  capabilities: {
    ...common,
    imageToImage: true,
    maxReferenceImages: 3,
    aspectRatios: ['1:1', '16:9', '9:16'],
    resolutions: [
      { id: '1K', edge: 1024, tier: 'standard' },
      { id: '4K', edge: 4096, tier: '4k' },
    ],
  },
  pricing: { perImage: { standard: 14, '4k': 24 } },
};

/** Edits only: needs a reference image. */
const editOnly: ModelDefinition = {
  capabilities: {
    ...common,
    textToImage: false,
    imageToImage: true,
    maxReferenceImages: 1,
    sizes: [{ size: '1024x1024', tier: 'standard' }],
  },
  pricing: { perImage: { standard: 4 } },
};

describe('resolveRequestShape: models shaped by sizes', () => {
  it('prices a listed size by its tier', () => {
    expect(resolveRequestShape(sized, { size: '1344x768', n: 3 })).toEqual({
      ok: true,
      width: 1344,
      height: 768,
      size: '1344x768',
      aspectRatio: null,
      resolution: null,
      n: 3,
      tier: 'hd',
      costPerImage: 2,
      totalCost: 6,
    });
  });

  it('uses the first size when none is given', () => {
    expect(resolveRequestShape(sized, { n: 1 })).toMatchObject({ ok: true, size: '512x512', totalCost: 1 });
    expect(resolveRequestShape(sized, { size: null, n: 1 })).toMatchObject({ ok: true, size: '512x512' });
  });

  it('accepts an upper-case X and surrounding spaces', () => {
    expect(resolveRequestShape(sized, { size: ' 1024X1024 ', n: 1 })).toMatchObject({
      ok: true,
      size: '1024x1024',
    });
  });
});

describe('resolveRequestShape: models shaped by aspect ratios', () => {
  it('prices a ratio and resolution by the resolution tier, with a nominal size', () => {
    expect(resolveRequestShape(byRatio, { aspectRatio: '16:9', resolution: '4K', n: 2 })).toEqual({
      ok: true,
      width: 5456,
      height: 3072,
      size: null,
      aspectRatio: '16:9',
      resolution: '4K',
      n: 2,
      tier: '4k',
      costPerImage: 24,
      totalCost: 48,
    });
  });

  it('uses the first ratio and resolution when none are given; resolution ids ignore case', () => {
    expect(resolveRequestShape(byRatio, { n: 1 })).toMatchObject({
      ok: true,
      aspectRatio: '1:1',
      resolution: '1K',
      width: 1024,
      height: 1024,
      totalCost: 14,
    });
    expect(resolveRequestShape(byRatio, { aspectRatio: '9:16', resolution: '4k', n: 1 })).toMatchObject({
      ok: true,
      resolution: '4K',
    });
  });

  it('accepts reference images up to the limit', () => {
    expect(resolveRequestShape(byRatio, { n: 1, referenceImages: 3 })).toMatchObject({ ok: true });
  });
});

describe('resolveRequestShape: every bad input is a field and a code', () => {
  const cases: [
    string,
    ModelDefinition,
    Parameters<typeof resolveRequestShape>[1],
    Omit<ShapeError, 'ok'>,
  ][] = [
    ['an unknown size', sized, { size: '2048x2048', n: 1 }, { field: 'size', code: 'unsupported_size' }],
    ['a malformed size', sized, { size: 'big', n: 1 }, { field: 'size', code: 'unsupported_size' }],
    ['an empty size', sized, { size: '', n: 1 }, { field: 'size', code: 'unsupported_size' }],
    [
      'a size that is not a string',
      sized,
      { size: 1024 as unknown as string, n: 1 },
      { field: 'size', code: 'unsupported_size' },
    ],
    [
      'an aspect ratio on a sized model',
      sized,
      { aspectRatio: '1:1', n: 1 },
      { field: 'aspectRatio', code: 'aspect_ratio_not_accepted' },
    ],
    [
      'a resolution on a sized model',
      sized,
      { size: '512x512', resolution: '1K', n: 1 },
      { field: 'resolution', code: 'resolution_not_accepted' },
    ],
    [
      'a size on an aspect-ratio model',
      byRatio,
      { size: '1024x1024', n: 1 },
      { field: 'size', code: 'size_not_accepted' },
    ],
    [
      'both a size and a ratio on an aspect-ratio model',
      byRatio,
      { size: '1024x1024', aspectRatio: '1:1', n: 1 },
      { field: 'size', code: 'size_not_accepted' },
    ],
    [
      'an unsupported aspect ratio',
      byRatio,
      { aspectRatio: '4:3', n: 1 },
      { field: 'aspectRatio', code: 'unsupported_aspect_ratio' },
    ],
    [
      'an unreduced ratio',
      byRatio,
      { aspectRatio: '2:2', n: 1 },
      { field: 'aspectRatio', code: 'unsupported_aspect_ratio' },
    ],
    [
      'an unsupported resolution',
      byRatio,
      { resolution: '2K', n: 1 },
      { field: 'resolution', code: 'unsupported_resolution' },
    ],
    ['n = 0', sized, { n: 0 }, { field: 'n', code: 'invalid_count' }],
    ['a negative n', sized, { n: -2 }, { field: 'n', code: 'invalid_count' }],
    ['a fractional n', sized, { n: 1.5 }, { field: 'n', code: 'invalid_count' }],
    ['n = NaN', sized, { n: Number.NaN }, { field: 'n', code: 'invalid_count' }],
    ['n = Infinity', sized, { n: Number.POSITIVE_INFINITY }, { field: 'n', code: 'invalid_count' }],
    ['n as a string', sized, { n: '2' as unknown as number }, { field: 'n', code: 'invalid_count' }],
    ['n missing', sized, {} as { n: number }, { field: 'n', code: 'invalid_count' }],
    ['n above maxImages', sized, { n: 5 }, { field: 'n', code: 'too_many_images', limit: 4 }],
    [
      'reference images on a text-only model',
      sized,
      { n: 1, referenceImages: 1 },
      { field: 'referenceImages', code: 'reference_images_not_accepted' },
    ],
    [
      'too many reference images',
      byRatio,
      { n: 1, referenceImages: 4 },
      { field: 'referenceImages', code: 'too_many_reference_images', limit: 3 },
    ],
    [
      'a negative reference count',
      byRatio,
      { n: 1, referenceImages: -1 },
      { field: 'referenceImages', code: 'invalid_count' },
    ],
    [
      'a fractional reference count',
      byRatio,
      { n: 1, referenceImages: 0.5 },
      { field: 'referenceImages', code: 'invalid_count' },
    ],
    [
      'no reference image for an edit-only model',
      editOnly,
      { n: 1 },
      { field: 'referenceImages', code: 'reference_image_required' },
    ],
  ];

  it.each(cases)('%s', (_name, model, request, expected) => {
    expect(resolveRequestShape(model, request)).toEqual({ ok: false, ...expected });
  });

  it('reports the shape before the count', () => {
    expect(resolveRequestShape(sized, { size: 'nope', n: 0 })).toMatchObject({ field: 'size' });
  });
});

describe('priceFor', () => {
  it('gives credits per image of a tier and throws for a tier the model lacks', () => {
    expect(priceFor(byRatio, '4k')).toBe(24);
    expect(() => priceFor(byRatio, 'hd')).toThrow(/no price/);
    expect(() => priceFor(byRatio, 'toString')).toThrow(/no price/);
  });
});

describe('nominalSize', () => {
  it('keeps about edge² pixels at the ratio, sides in multiples of 16', () => {
    expect(nominalSize('1:1', 1024)).toEqual({ width: 1024, height: 1024 });
    expect(nominalSize('16:9', 1024)).toEqual({ width: 1360, height: 768 });
    expect(nominalSize('9:16', 1024)).toEqual({ width: 768, height: 1360 });
    expect(nominalSize('21:9', 2048)).toEqual({ width: 3136, height: 1344 });
  });
});

describe('shapeErrorToFieldError', () => {
  it('has a message in every language for every code', () => {
    for (const code of shapeErrorCodes) {
      const field = shapeErrorToFieldError({ ok: false, field: 'n', code, limit: 4 });
      for (const locale of ['en', 'zh'])
        expect(translate(locale, field.message, field.vars)).not.toBe(field.message);
    }
  });

  it('passes the limit to the message', () => {
    const field = shapeErrorToFieldError({ ok: false, field: 'n', code: 'too_many_images', limit: 4 });
    expect(field).toEqual({ field: 'n', message: 'validation.tooManyImages', vars: { max: 4 } });
    expect(translate('en', field.message, field.vars)).toBe('This model makes at most 4 images per request.');
    expect(shapeErrorToFieldError({ ok: false, field: 'size', code: 'unsupported_size' })).toEqual({
      field: 'size',
      message: 'validation.unsupportedSize',
    });
  });
});
