import { describe, expect, it } from 'vitest';
import { modelDefinitionSchema, parseSize, routeOptionsSchema } from './capabilities';
import { resolveRequestShape } from './request-shape';
import { LOCAL_STANDARD_MAX_PIXELS, seedModels, seedProviders } from './seed-data';

const providerIds = seedProviders.map((p) => p.id);

/**
 * Retired or retiring ids from providers.md §1.1 (DeepSeek's are text models,
 * listed so no one seeds them as routes either).
 */
const retired = [
  /^dall-e-[23]$/,
  /^gpt-image-1(\.5|-mini)?$/,
  /^chatgpt-image-latest$/,
  /imagen/i,
  /^gemini-2\.5-flash-image/,
  /-preview$/,
  /^deepseek-(chat|reasoner|v4-flash|v4-pro)$/,
  /seedream-3|seededit/i,
];

describe('built-in providers', () => {
  it('has unique ids in the format the database allows', () => {
    expect(new Set(providerIds).size).toBe(providerIds.length);
    for (const id of providerIds) expect(id).toMatch(/^[a-z][a-z0-9_]{0,39}$/);
  });

  it('enables only the offline provider: the others need a key first', () => {
    expect(seedProviders.filter((p) => p.enabled).map((p) => p.id)).toEqual(['local']);
    expect(seedProviders.find((p) => p.id === 'local')).toMatchObject({
      nameEn: 'Local preview (offline)',
      nameZh: '本地预览（离线）',
    });
  });

  it('covers every provider the platform has an adapter slot for', () => {
    expect([...providerIds].sort()).toEqual(
      [
        'byteplus',
        'deepseek',
        'fal',
        'fireworks',
        'google',
        'local',
        'openai',
        'openai_compatible',
        'openrouter',
        'replicate',
      ].sort(),
    );
  });
});

describe('the text provider', () => {
  it('routes no model through DeepSeek: it serves prompt help only', () => {
    expect(seedModels.flatMap((m) => m.routes).filter((r) => r.providerId === 'deepseek')).toEqual([]);
    expect(seedProviders.find((p) => p.id === 'deepseek')).toMatchObject({
      enabled: false,
      nameEn: 'DeepSeek (prompt help)',
      nameZh: 'DeepSeek（提示词助手）',
    });
  });
});

describe('built-in models', () => {
  it('has unique slugs in the format the database allows', () => {
    const ids = seedModels.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[a-z0-9]+([.-][a-z0-9]+)*$/);
      expect(id.length).toBeLessThanOrEqual(64);
    }
  });

  it.each(seedModels.map((m) => [m.id, m] as const))(
    '%s: capabilities and pricing parse together',
    (_id, model) => {
      const parsed = modelDefinitionSchema.safeParse({
        capabilities: model.capabilities,
        pricing: model.pricing,
      });
      expect(parsed.error?.issues ?? []).toEqual([]);
    },
  );

  it.each(seedModels.map((m) => [m.id, m] as const))(
    '%s: every offered size, ratio and resolution resolves and is priced',
    (_id, model) => {
      const caps = model.capabilities;
      const shapes =
        'sizes' in caps
          ? caps.sizes.map((s) => ({ size: s.size }))
          : caps.aspectRatios.flatMap((aspectRatio) =>
              caps.resolutions.map((r) => ({ aspectRatio, resolution: r.id })),
            );
      for (const shape of shapes) {
        for (let n = 1; n <= caps.maxImages; n++) {
          const result = resolveRequestShape(model, {
            ...shape,
            n,
            referenceImages: caps.textToImage ? 0 : 1,
          });
          expect(result).toMatchObject({ ok: true, n });
          if (result.ok) expect(result.totalCost).toBe(result.costPerImage * n);
        }
      }
    },
  );

  it('routes only to built-in providers, with valid options, never to a retired id', () => {
    for (const model of seedModels) {
      expect(model.routes.length, model.id).toBeGreaterThan(0);
      for (const route of model.routes) {
        expect(providerIds, `${model.id} -> ${route.providerId}`).toContain(route.providerId);
        expect(routeOptionsSchema.safeParse(route.options ?? {}).success).toBe(true);
        for (const pattern of retired) expect(route.providerModelId, model.id).not.toMatch(pattern);
      }
    }
  });

  it('never lists the same provider twice in one chain (a fallback must go elsewhere)', () => {
    for (const model of seedModels) {
      const chain = model.routes.map((r) => r.providerId);
      expect(new Set(chain).size, model.id).toBe(chain.length);
    }
  });

  it('keeps the offline models on the local provider, text-to-image only, priced 1 and 2 by the 0.6 MP rule', () => {
    const local = seedModels.filter((m) => m.routes.some((r) => r.providerId === 'local'));
    expect(local.map((m) => [m.id, m.routes])).toEqual([
      ['local-preview', [{ providerId: 'local', providerModelId: 'preview' }]],
      ['local-sketch', [{ providerId: 'local', providerModelId: 'sketch' }]],
    ]);
    for (const model of local) {
      const caps = model.capabilities;
      expect(caps).toMatchObject({
        textToImage: true,
        imageToImage: false,
        maxImages: 4,
        seed: true,
        negativePrompt: true,
      });
      expect(model.pricing).toEqual({ perImage: { standard: 1, hd: 2 } });
      if (!('sizes' in caps)) throw new Error('local models are shaped by sizes');
      expect(caps.sizes.map((s) => s.size)).toEqual([
        '512x512',
        '768x768',
        '1024x1024',
        '1024x768',
        '768x1024',
        '1344x768',
        '768x1344',
      ]);
      for (const { size, tier } of caps.sizes) {
        const [width, height] = parseSize(size);
        expect(tier, size).toBe(width * height <= LOCAL_STANDARD_MAX_PIXELS ? 'standard' : 'hd');
      }
    }
  });

  it('falls Seedream 4.0 back from BytePlus to fal to Replicate', () => {
    const seedream = seedModels.find((m) => m.id === 'seedream-4');
    expect(seedream?.routes.map((r) => [r.providerId, r.providerModelId])).toEqual([
      ['byteplus', 'seedream-4-0-250828'],
      ['fal', 'fal-ai/bytedance/seedream/v4/text-to-image'],
      ['replicate', 'bytedance/seedream-4'],
    ]);
  });
});
