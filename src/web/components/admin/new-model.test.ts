import { describe, expect, it } from 'vitest';
import { modelDefinitionSchema } from '../../../server/catalog/capabilities';
import {
  addSize,
  buildNewModel,
  defaultProviderId,
  draftTiers,
  emptyNewModel,
  normalizeSize,
  type NewModelDraft,
} from './new-model';
import type { AdminProvider } from './types';

const provider = (id: string, adapter: string, enabled = true) =>
  ({ id, adapter, enabled, nameEn: id, nameZh: id }) as AdminProvider;
const providers = [
  provider('local', 'local'),
  provider('openai', 'openai', false),
  provider('house', 'openai_compatible'),
];

const filled = (change: Partial<NewModelDraft> = {}): NewModelDraft => ({
  ...emptyNewModel(providers),
  id: 'house-flux',
  nameEn: ' House FLUX ',
  nameZh: '自建 FLUX',
  providerModelId: 'flux-dev',
  sizes: [
    { key: 's0', size: '1024x1024', tier: 'standard' },
    { key: 's1', size: '1536 × 1024', tier: 'Wide' },
    { key: 's2', size: '1024x1536', tier: 'wide' },
  ],
  maxImages: '4',
  maxPromptLength: '2000',
  seed: true,
  prices: { standard: '3', wide: '5', unused: '9' },
  ...change,
});

describe('the add-model form', () => {
  it('starts on an OpenAI-compatible endpoint, with one square size in the standard tier', () => {
    const draft = emptyNewModel(providers);
    expect(draft.providerId).toBe('house');
    expect(draft.sizes.map((s) => [s.size, s.tier])).toEqual([['1024x1024', 'standard']]);
    expect(defaultProviderId([provider('local', 'local'), provider('fal', 'fal')])).toBe('fal');
    expect(defaultProviderId([])).toBe('');
  });

  it('builds the sizes-based capabilities and the prices of exactly the tiers the sizes use', () => {
    const built = buildNewModel(filled());
    expect(built).toEqual({
      ok: true,
      body: {
        id: 'house-flux',
        nameEn: 'House FLUX',
        nameZh: '自建 FLUX',
        capabilities: {
          textToImage: true,
          imageToImage: false,
          maxReferenceImages: 0,
          maxImages: 4,
          seed: true,
          negativePrompt: false,
          maxPromptLength: 2000,
          sizes: [
            { size: '1024x1024', tier: 'standard' },
            { size: '1536x1024', tier: 'wide' },
            { size: '1024x1536', tier: 'wide' },
          ],
        },
        pricing: { perImage: { standard: 3, wide: 5 } },
        routes: [{ providerId: 'house', providerModelId: 'flux-dev' }],
      },
    });
    // What the form builds is what the catalog's own schema accepts.
    if (!built.ok) throw new Error('not built');
    const { capabilities, pricing } = built.body;
    expect(modelDefinitionSchema.safeParse({ capabilities, pricing }).success).toBe(true);
  });

  it('names each problem by the API field it belongs to', () => {
    const built = buildNewModel(
      filled({
        id: 'House Flux',
        nameZh: '  ',
        providerModelId: '',
        sizes: [
          { key: 's0', size: '1024', tier: 'standard' },
          { key: 's1', size: '9000x1024', tier: 'standard' },
          { key: 's2', size: '512x512', tier: 'Not a tier!' },
          { key: 's3', size: '512 x 512', tier: 'standard' },
        ],
        maxImages: '11',
        maxPromptLength: '1.5',
        prices: { standard: '0' },
      }),
    );
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(Object.fromEntries(Object.entries(built.problems).map(([field, p]) => [field, p.key]))).toEqual({
      id: 'admin.check.modelId',
      nameZh: 'admin.check.required',
      'routes.0.providerModelId': 'admin.check.required',
      'capabilities.sizes.0.size': 'admin.check.size',
      'capabilities.sizes.1.size': 'admin.check.sizeTooLarge',
      'capabilities.sizes.2.tier': 'admin.check.tier',
      'capabilities.sizes.3.size': 'admin.check.sizeTwice',
      'capabilities.maxImages': 'admin.check.wholeNumber',
      'capabilities.maxPromptLength': 'admin.check.wholeNumber',
      'pricing.perImage.standard': 'admin.check.wholeNumber',
    });
    expect(built.problems['capabilities.maxImages']?.vars).toEqual({ min: 1, max: 10 });
  });

  it('refuses what the catalog schema refuses: every price at least 1 credit, every tier priced', () => {
    const cases: Record<string, string>[] = [
      { standard: '0', wide: '5' },
      { standard: '3' },
      { standard: '3', wide: 'five' },
    ];
    for (const prices of cases) {
      const built = buildNewModel(filled({ prices }));
      expect(built.ok, JSON.stringify(prices)).toBe(false);
      const raw = {
        capabilities: {
          ...(buildNewModel(filled()) as { body: { capabilities: object } }).body.capabilities,
        },
        pricing: {
          perImage: Object.fromEntries(
            Object.entries(prices).map(([tier, credits]) => [tier, Number(credits)]),
          ),
        },
      };
      expect(modelDefinitionSchema.safeParse(raw).success, JSON.stringify(prices)).toBe(false);
    }
  });

  it('reads sizes typed loosely, and lists tiers in order of first use', () => {
    expect(normalizeSize(' 1536 × 1024 ')).toBe('1536x1024');
    expect(normalizeSize('1024X768')).toBe('1024x768');
    expect(
      draftTiers([
        { key: 'a', size: '', tier: 'HD' },
        { key: 'b', size: '', tier: 'standard' },
        { key: 'c', size: '', tier: ' hd ' },
        { key: 'd', size: '', tier: '' },
      ]),
    ).toEqual(['hd', 'standard']);
  });

  it('adds a size row with a fresh key and the last row’s tier', () => {
    const sizes = addSize([
      { key: 's0', size: '1024x1024', tier: 'standard' },
      { key: 's3', size: '512x512', tier: 'small' },
    ]);
    expect(sizes.at(-1)).toEqual({ key: 's4', size: '', tier: 'small' });
    expect(new Set(sizes.map((s) => s.key)).size).toBe(3);
  });
});
