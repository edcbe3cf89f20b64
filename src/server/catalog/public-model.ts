/**
 * What `GET /api/models` shows of a model: its id, names in the request's
 * language, the provider's name, what it can do and the price of each size.
 * Built field by field from an allowlist, so provider settings, route
 * internals (provider model ids, options, fallback order) and price-tier
 * names never leave the server, whatever is added to the catalog later.
 */
import type { Locale } from '../../i18n';
import { parseSize } from './capabilities';
import type { CatalogModel } from './list-models';
import { priceFor } from './request-shape';

interface PublicCommonCapabilities {
  textToImage: boolean;
  imageToImage: boolean;
  maxReferenceImages: number;
  maxImages: number;
  seed: boolean;
  negativePrompt: boolean;
  maxPromptLength: number;
}

/** The first size (or ratio, or resolution) listed is the default. */
export type PublicCapabilities = PublicCommonCapabilities &
  (
    | { sizes: { size: string; width: number; height: number; creditsPerImage: number }[] }
    | { aspectRatios: string[]; resolutions: { id: string; creditsPerImage: number }[] }
  );

export interface PublicModel {
  id: string;
  name: string;
  description: string | null;
  provider: { id: string; name: string } | null;
  capabilities: PublicCapabilities;
}

/**
 * The catalog has English and Chinese columns, the app's two languages; any
 * other language gets English. "zh-CN" and the like count as Chinese.
 */
export function pickLocalized<T>(locale: Locale, en: T, zh: T | null | undefined): T {
  const primary = locale.toLowerCase().split('-')[0];
  return primary === 'zh' && zh !== null && zh !== undefined ? zh : en;
}

export function toPublicModel(model: CatalogModel, locale: Locale): PublicModel {
  const caps = model.capabilities;
  const common: PublicCommonCapabilities = {
    textToImage: caps.textToImage,
    imageToImage: caps.imageToImage,
    maxReferenceImages: caps.maxReferenceImages,
    maxImages: caps.maxImages,
    seed: caps.seed,
    negativePrompt: caps.negativePrompt,
    maxPromptLength: caps.maxPromptLength,
  };
  const capabilities: PublicCapabilities =
    'sizes' in caps
      ? {
          ...common,
          sizes: caps.sizes.map((entry) => {
            const [width, height] = parseSize(entry.size);
            return { size: entry.size, width, height, creditsPerImage: priceFor(model, entry.tier) };
          }),
        }
      : {
          ...common,
          aspectRatios: [...caps.aspectRatios],
          resolutions: caps.resolutions.map((entry) => ({
            id: entry.id,
            creditsPerImage: priceFor(model, entry.tier),
          })),
        };
  return {
    id: model.id,
    name: pickLocalized(locale, model.nameEn, model.nameZh),
    description: pickLocalized(locale, model.descriptionEn, model.descriptionZh),
    provider: model.provider
      ? { id: model.provider.id, name: pickLocalized(locale, model.provider.nameEn, model.provider.nameZh) }
      : null,
    capabilities,
  };
}
