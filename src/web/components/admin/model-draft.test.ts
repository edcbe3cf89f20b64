import { describe, expect, it } from 'vitest';
import { modelDefinitionSchema } from '../../../server/catalog/capabilities';
import {
  addRoute,
  draftOf,
  modelChangeFrom,
  moveRoute,
  nameIn,
  parseWholeNumber,
  priceList,
  removeRoute,
  tiersOf,
  tierUses,
  unusableReason,
} from './model-draft';
import type { AdminModel } from './types';

const gpt: AdminModel = {
  id: 'gpt-image-2',
  nameEn: 'GPT Image 2',
  nameZh: 'GPT 图像 2',
  descriptionEn: null,
  descriptionZh: null,
  enabled: true,
  isUsable: true,
  sortOrder: 10,
  capabilities: {
    textToImage: true,
    imageToImage: false,
    maxReferenceImages: 0,
    maxImages: 4,
    seed: false,
    negativePrompt: false,
    maxPromptLength: 32000,
    sizes: [
      { size: '1024x1024', tier: 'square' },
      { size: '1536x1024', tier: 'other' },
      { size: '1024x1536', tier: 'other' },
    ],
  },
  pricing: { perImage: { square: 6, other: 5 } },
  routes: [
    {
      position: 0,
      providerId: 'openai',
      providerModelId: 'gpt-image-2',
      options: { quality: 'medium' },
      enabled: true,
      isAvailable: true,
    },
    {
      position: 1,
      providerId: 'house',
      providerModelId: 'gpt',
      options: {},
      enabled: false,
      isAvailable: false,
    },
  ],
  updatedAt: '2027-01-01T00:00:00.000Z',
};

const gemini: AdminModel = {
  ...gpt,
  id: 'gemini',
  capabilities: {
    textToImage: true,
    imageToImage: true,
    maxReferenceImages: 3,
    maxImages: 1,
    seed: false,
    negativePrompt: false,
    maxPromptLength: 8000,
    aspectRatios: ['1:1', '16:9'],
    resolutions: [
      { id: '1K', edge: 1024, tier: 'low' },
      { id: '2K', edge: 2048, tier: 'low' },
      { id: '4K', edge: 4096, tier: 'high' },
    ],
  },
  pricing: { perImage: { low: 14, high: 24 } },
};

describe('the model editor', () => {
  it('reads whole numbers in range only', () => {
    expect(parseWholeNumber(' 12 ', 1, 100)).toBe(12);
    for (const text of ['', '0', '101', '1.5', '-3', '1e2', 'abc', '9999999999']) {
      expect(parseWholeNumber(text, 1, 100), text).toBeUndefined();
    }
  });

  it('lists tiers in order of first use, with what uses each and its price', () => {
    expect(tiersOf(gpt.capabilities)).toEqual(['square', 'other']);
    expect(tierUses(gpt.capabilities, 'other')).toEqual(['1536x1024', '1024x1536']);
    expect(tiersOf(gemini.capabilities)).toEqual(['low', 'high']);
    expect(tierUses(gemini.capabilities, 'low')).toEqual(['1K', '2K']);
    expect(priceList(gpt)).toEqual([
      { tier: 'square', credits: 6 },
      { tier: 'other', credits: 5 },
    ]);
  });

  it('says why a model is not usable', () => {
    expect(unusableReason(gpt)).toBeNull();
    expect(unusableReason({ enabled: false, isUsable: false })).toBe('disabled');
    expect(unusableReason({ enabled: true, isUsable: false })).toBe('noRoute');
  });

  it('saves an untouched draft as the model already is, keeping route options', () => {
    const built = modelChangeFrom(gpt, draftOf(gpt));
    expect(built).toEqual({
      ok: true,
      change: {
        enabled: true,
        nameEn: 'GPT Image 2',
        nameZh: 'GPT 图像 2',
        sortOrder: 10,
        pricing: { perImage: { square: 6, other: 5 } },
        routes: [
          {
            providerId: 'openai',
            providerModelId: 'gpt-image-2',
            enabled: true,
            options: { quality: 'medium' },
          },
          { providerId: 'house', providerModelId: 'gpt', enabled: false },
        ],
      },
    });
    if (!built.ok) return;
    expect(
      modelDefinitionSchema.safeParse({ capabilities: gpt.capabilities, pricing: built.change.pricing })
        .success,
    ).toBe(true);
  });

  it('applies edits: new prices, reordered routes, a route switched on', () => {
    const draft = draftOf(gemini);
    draft.prices = { low: ' 15 ', high: '30' };
    draft.enabled = false;
    draft.routes = moveRoute(draft.routes, 1, -1);
    draft.routes[0] = { ...draft.routes[0]!, enabled: true };
    const built = modelChangeFrom(gemini, draft);
    expect(built.ok && built.change).toMatchObject({
      enabled: false,
      pricing: { perImage: { low: 15, high: 30 } },
      routes: [
        { providerId: 'house', enabled: true },
        { providerId: 'openai', enabled: true },
      ],
    });
  });

  it('reports problems by the API’s field paths', () => {
    const draft = draftOf(gpt);
    draft.nameEn = '';
    draft.nameZh = 'x'.repeat(101);
    draft.sortOrder = '-1';
    draft.prices = { square: '0', other: '' };
    draft.routes = addRoute(draft.routes, 'fal');
    const built = modelChangeFrom(gpt, draft);
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(Object.fromEntries(Object.entries(built.problems).map(([field, p]) => [field, p.key]))).toEqual({
      nameEn: 'admin.check.required',
      nameZh: 'admin.check.tooLong',
      sortOrder: 'admin.check.wholeNumber',
      'pricing.perImage.square': 'admin.check.wholeNumber',
      'pricing.perImage.other': 'admin.check.wholeNumber',
      'routes.2.providerModelId': 'admin.check.required',
    });
  });

  it('moves, removes and adds routes without losing any', () => {
    const routes = draftOf(gpt).routes;
    expect(moveRoute(routes, 0, 1).map((r) => r.providerId)).toEqual(['house', 'openai']);
    expect(moveRoute(routes, 0, -1).map((r) => r.providerId)).toEqual(['openai', 'house']);
    expect(moveRoute(routes, 1, 1).map((r) => r.providerId)).toEqual(['openai', 'house']);
    expect(removeRoute(routes, 0).map((r) => r.providerId)).toEqual(['house']);
    const added = addRoute(routes, 'fal');
    expect(added).toHaveLength(3);
    expect(added[2]).toMatchObject({ providerId: 'fal', providerModelId: '', enabled: true, options: {} });
    expect(new Set(added.map((r) => r.key)).size).toBe(3);
    // A key stays unique after removals too.
    const again = addRoute(removeRoute(added, 1), 'fal');
    expect(new Set(again.map((r) => r.key)).size).toBe(again.length);
  });

  it('picks the name in the page’s language', () => {
    expect(nameIn('zh', gpt)).toBe('GPT 图像 2');
    expect(nameIn('zh-CN', gpt)).toBe('GPT 图像 2');
    expect(nameIn('en', gpt)).toBe('GPT Image 2');
  });
});
