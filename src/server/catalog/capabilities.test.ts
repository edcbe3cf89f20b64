import { describe, expect, it } from 'vitest';
import {
  modelCapabilitiesSchema,
  modelDefinitionSchema,
  parseSize,
  providerSettingsSchema,
  routeOptionsSchema,
  tiersOf,
} from './capabilities';

const common = {
  textToImage: true,
  imageToImage: false,
  maxReferenceImages: 0,
  maxImages: 4,
  seed: true,
  negativePrompt: false,
  maxPromptLength: 4000,
};
const sized = {
  ...common,
  sizes: [
    { size: '1024x1024', tier: 'standard' },
    { size: '1344x768', tier: 'hd' },
  ],
};
const byRatio = {
  ...common,
  aspectRatios: ['1:1', '16:9'],
  resolutions: [
    { id: '1K', edge: 1024, tier: 'standard' },
    { id: '4K', edge: 4096, tier: '4k' },
  ],
};

describe('modelCapabilitiesSchema', () => {
  it('accepts a model shaped by sizes and one shaped by aspect ratios', () => {
    expect(modelCapabilitiesSchema.parse(sized)).toEqual(sized);
    expect(modelCapabilitiesSchema.parse(byRatio)).toEqual(byRatio);
  });

  it.each([
    ['both sizes and aspect ratios', { ...byRatio, sizes: sized.sizes }],
    ['neither sizes nor aspect ratios', common],
    ['aspect ratios without resolutions', { ...common, aspectRatios: ['1:1'] }],
    ['an empty size list', { ...common, sizes: [] }],
    ['a size that is not WxH', { ...common, sizes: [{ size: '1024*1024', tier: 'standard' }] }],
    ['a size with a leading zero', { ...common, sizes: [{ size: '0512x512', tier: 'standard' }] }],
    ['a side above 8192', { ...common, sizes: [{ size: '9000x1024', tier: 'standard' }] }],
    ['a size listed twice', { ...common, sizes: [sized.sizes[0], sized.sizes[0]] }],
    ['a ratio that is not W:H', { ...byRatio, aspectRatios: ['16/9'] }],
    ['a ratio listed twice', { ...byRatio, aspectRatios: ['1:1', '1:1'] }],
    [
      'a resolution listed twice',
      { ...byRatio, resolutions: [byRatio.resolutions[0], byRatio.resolutions[0]] },
    ],
    ['a tier name with spaces', { ...common, sizes: [{ size: '512x512', tier: 'Standard tier' }] }],
    ['a model that does nothing', { ...sized, textToImage: false }],
    ['image-to-image without reference images', { ...sized, imageToImage: true, maxReferenceImages: 0 }],
    ['reference images without image-to-image', { ...sized, maxReferenceImages: 2 }],
    ['maxImages 0', { ...sized, maxImages: 0 }],
    ['maxImages above 10', { ...sized, maxImages: 11 }],
    ['a fractional maxImages', { ...sized, maxImages: 1.5 }],
    ['maxPromptLength 0', { ...sized, maxPromptLength: 0 }],
    ['an unknown key', { ...sized, quality: 'high' }],
    ['a missing flag', (({ seed: _seed, ...rest }) => rest)(sized)],
  ])('rejects %s', (_name, input) => {
    expect(modelCapabilitiesSchema.safeParse(input).success).toBe(false);
  });

  it('lists the tiers a model uses, once each, in order', () => {
    expect(tiersOf(modelCapabilitiesSchema.parse(sized))).toEqual(['standard', 'hd']);
    expect(
      tiersOf(
        modelCapabilitiesSchema.parse({
          ...byRatio,
          resolutions: [...byRatio.resolutions, { id: '2K', edge: 2048, tier: 'standard' }],
        }),
      ),
    ).toEqual(['standard', '4k']);
  });
});

describe('modelDefinitionSchema', () => {
  const pricing = { perImage: { standard: 1, hd: 2 } };

  it('accepts capabilities whose every tier has a price', () => {
    expect(modelDefinitionSchema.safeParse({ capabilities: sized, pricing }).success).toBe(true);
  });

  it.each([
    ['a tier without a price', { perImage: { standard: 1 } }],
    ['a priced tier nothing uses', { perImage: { standard: 1, hd: 2, ultra: 3 } }],
    ['a price of 0', { perImage: { standard: 0, hd: 2 } }],
    ['a fractional price', { perImage: { standard: 1.5, hd: 2 } }],
    ['a price that is not a number', { perImage: { standard: '1', hd: 2 } }],
    ['an unknown pricing key', { perImage: { standard: 1, hd: 2 }, currency: 'usd' }],
  ])('rejects %s', (_name, badPricing) => {
    expect(modelDefinitionSchema.safeParse({ capabilities: sized, pricing: badPricing }).success).toBe(false);
  });
});

describe('providerSettingsSchema', () => {
  it('accepts no settings and an http(s) base URL', () => {
    expect(providerSettingsSchema.parse({})).toEqual({});
    expect(providerSettingsSchema.parse({ baseUrl: 'https://proxy.example/v1' })).toEqual({
      baseUrl: 'https://proxy.example/v1',
    });
  });

  it('refuses a key (keys get their own encrypted column) and non-http URLs', () => {
    expect(providerSettingsSchema.safeParse({ apiKey: 'sk-123' }).success).toBe(false);
    expect(providerSettingsSchema.safeParse({ baseUrl: 'file:///etc/passwd' }).success).toBe(false);
  });
});

describe('routeOptionsSchema', () => {
  it('accepts flat string, number and boolean values only', () => {
    expect(routeOptionsSchema.safeParse({ quality: 'medium', steps: 4, watermark: false }).success).toBe(
      true,
    );
    expect(routeOptionsSchema.safeParse({ nested: { a: 1 } }).success).toBe(false);
    expect(routeOptionsSchema.safeParse({ 'bad key': 1 }).success).toBe(false);
  });
});

describe('parseSize', () => {
  it('splits WxH and refuses anything else', () => {
    expect(parseSize('1344x768')).toEqual([1344, 768]);
    expect(() => parseSize('16:9')).toThrow();
  });
});
