import { describe, expect, it } from 'vitest';
import type { SizedCapabilities } from './capabilities';
import type { CatalogModel, CatalogProvider } from './list-models';
import { pickLocalized, toPublicModel } from './public-model';

const provider: CatalogProvider = {
  id: 'openai',
  adapter: 'openai',
  nameEn: 'OpenAI',
  nameZh: 'OpenAI 中文',
  enabled: true,
  sortOrder: 10,
  settings: { baseUrl: 'https://secret-proxy.example/v1' },
};

const model: CatalogModel = {
  id: 'gpt-image-2',
  nameEn: 'GPT Image 2',
  nameZh: 'GPT 图像 2',
  descriptionEn: 'English description',
  descriptionZh: null,
  capabilities: {
    textToImage: true,
    imageToImage: true,
    maxReferenceImages: 4,
    maxImages: 4,
    seed: false,
    negativePrompt: false,
    maxPromptLength: 32000,
    sizes: [
      { size: '1024x1024', tier: 'square' },
      { size: '1536x1024', tier: 'rectangular' },
    ],
  },
  pricing: { perImage: { square: 6, rectangular: 5 } },
  enabled: true,
  sortOrder: 0,
  routes: [
    {
      position: 0,
      provider,
      providerModelId: 'internal-model-id',
      options: { quality: 'medium' },
      enabled: true,
      isAvailable: true,
    },
  ],
  provider,
  isUsable: true,
  createdAt: new Date('2026-11-28T00:00:00Z'),
  updatedAt: new Date('2026-11-28T00:00:00Z'),
};

describe('toPublicModel', () => {
  it('shows names in the language, the provider name, capabilities and the price of each size', () => {
    expect(toPublicModel(model, 'zh')).toEqual({
      id: 'gpt-image-2',
      name: 'GPT 图像 2',
      // no Chinese description: English stands in
      description: 'English description',
      provider: { id: 'openai', name: 'OpenAI 中文' },
      capabilities: {
        textToImage: true,
        imageToImage: true,
        maxReferenceImages: 4,
        maxImages: 4,
        seed: false,
        negativePrompt: false,
        maxPromptLength: 32000,
        sizes: [
          { size: '1024x1024', width: 1024, height: 1024, creditsPerImage: 6 },
          { size: '1536x1024', width: 1536, height: 1024, creditsPerImage: 5 },
        ],
      },
    });
  });

  it('gives aspect-ratio models their ratios and the price of each resolution', () => {
    const { sizes: _sizes, ...shared } = model.capabilities as SizedCapabilities;
    const gemini: CatalogModel = {
      ...model,
      capabilities: {
        ...shared,
        aspectRatios: ['1:1', '16:9'],
        resolutions: [
          { id: '1K', edge: 1024, tier: 'standard' },
          { id: '4K', edge: 4096, tier: '4k' },
        ],
      },
      pricing: { perImage: { standard: 14, '4k': 24 } },
    };
    expect(toPublicModel(gemini, 'en').capabilities).toMatchObject({
      aspectRatios: ['1:1', '16:9'],
      resolutions: [
        { id: '1K', creditsPerImage: 14 },
        { id: '4K', creditsPerImage: 24 },
      ],
    });
  });

  it('reveals no settings, route internals, tiers or flags', () => {
    const json = JSON.stringify(toPublicModel(model, 'en'));
    for (const secret of [
      'secret-proxy',
      'internal-model-id',
      'medium',
      'square',
      'rectangular',
      'routes',
      'enabled',
      'pricing',
      'sortOrder',
    ]) {
      expect(json).not.toContain(secret);
    }
  });
});

describe('pickLocalized', () => {
  it('uses Chinese for zh and its regional tags, English for every other language', () => {
    expect(pickLocalized('zh', 'en', 'zh')).toBe('zh');
    expect(pickLocalized('zh-CN', 'en', 'zh')).toBe('zh');
    expect(pickLocalized('en', 'en', 'zh')).toBe('en');
    expect(pickLocalized('fr', 'en', 'zh')).toBe('en');
    expect(pickLocalized('zh', 'en', null)).toBe('en');
  });
});
