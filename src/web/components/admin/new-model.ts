/**
 * The "add a model" form, pure: its draft, the price tiers its sizes use,
 * and the `POST /api/admin/models` body it becomes. The capabilities are the
 * sizes-based shape of src/server/catalog/capabilities.ts (a list of
 * "WxH", each with a price tier; the first is the default), for text to
 * image, as OpenAI-compatible image servers take it. Problems come back by
 * the API's own field paths, so client checks and server answers land next
 * to the same fields.
 */
import { checkName, parseWholeNumber, pricingFrom, type Problems } from './model-draft';
import type { AdminProvider, NewModel } from './types';

/** The catalog's limits (capabilities.ts and routes.ts); a unit test holds built bodies to those schemas. */
export const NEW_MODEL_LIMITS = {
  idLength: 64,
  maxSide: 8192,
  maxSizes: 32,
  maxImages: 10,
  maxPromptLength: 32_000,
  providerModelIdLength: 200,
} as const;

const MODEL_ID = /^[a-z0-9]+([.-][a-z0-9]+)*$/;
const SIZE = /^([1-9]\d{1,4})x([1-9]\d{1,4})$/;
const TIER = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export interface SizeDraft {
  /** Stable identity while rows are added and removed (not sent). */
  key: string;
  size: string;
  tier: string;
}

export interface NewModelDraft {
  id: string;
  nameEn: string;
  nameZh: string;
  providerId: string;
  providerModelId: string;
  sizes: SizeDraft[];
  maxImages: string;
  maxPromptLength: string;
  seed: boolean;
  negativePrompt: boolean;
  /** Credits per image by tier, as typed; prices of tiers no size uses any more are ignored. */
  prices: Record<string, string>;
}

/** The provider a new model most likely goes through: an OpenAI-compatible endpoint, else the first with a key. */
export function defaultProviderId(providers: readonly AdminProvider[]): string {
  const compatible = providers.find((p) => p.adapter === 'openai_compatible' && p.enabled);
  return (
    compatible?.id ??
    providers.find((p) => p.adapter === 'openai_compatible')?.id ??
    providers.find((p) => p.id !== 'local')?.id ??
    providers[0]?.id ??
    ''
  );
}

export function emptyNewModel(providers: readonly AdminProvider[]): NewModelDraft {
  return {
    id: '',
    nameEn: '',
    nameZh: '',
    providerId: defaultProviderId(providers),
    providerModelId: '',
    sizes: [{ key: 's0', size: '1024x1024', tier: 'standard' }],
    maxImages: '1',
    maxPromptLength: '4000',
    seed: false,
    negativePrompt: false,
    prices: { standard: '' },
  };
}

/** "1024 × 768", "1024X768" and "1024x768" all mean 1024x768. */
export function normalizeSize(text: string): string {
  return text.replace(/\s+/g, '').replace(/[×X*]/g, 'x');
}

export function normalizeTier(text: string): string {
  return text.trim().toLowerCase();
}

/** The tiers the sizes use, in order of first use, ignoring empty and malformed ones (those get their own error). */
export function draftTiers(sizes: readonly SizeDraft[]): string[] {
  return [...new Set(sizes.map((entry) => normalizeTier(entry.tier)).filter((tier) => TIER.test(tier)))];
}

export function addSize(sizes: readonly SizeDraft[]): SizeDraft[] {
  const used = sizes.map((entry) => Number(/^s(\d+)$/.exec(entry.key)?.[1] ?? -1));
  const key = `s${Math.max(-1, ...used) + 1}`;
  return [...sizes, { key, size: '', tier: sizes.at(-1)?.tier ?? 'standard' }];
}

export function buildNewModel(
  draft: NewModelDraft,
): { ok: true; body: NewModel } | { ok: false; problems: Problems } {
  const problems: Problems = {};
  const id = draft.id.trim();
  if (id === '') problems.id = { key: 'admin.check.required' };
  else if (id.length > NEW_MODEL_LIMITS.idLength || !MODEL_ID.test(id))
    problems.id = { key: 'admin.check.modelId' };
  const nameEn = checkName(draft.nameEn, 'nameEn', problems);
  const nameZh = checkName(draft.nameZh, 'nameZh', problems);

  if (draft.providerId === '') problems['routes.0.providerId'] = { key: 'admin.check.required' };
  const providerModelId = draft.providerModelId.trim();
  if (providerModelId === '') problems['routes.0.providerModelId'] = { key: 'admin.check.required' };
  else if (providerModelId.length > NEW_MODEL_LIMITS.providerModelIdLength) {
    problems['routes.0.providerModelId'] = {
      key: 'admin.check.tooLong',
      vars: { max: NEW_MODEL_LIMITS.providerModelIdLength },
    };
  }

  if (draft.sizes.length === 0) problems['capabilities.sizes'] = { key: 'admin.check.required' };
  if (draft.sizes.length > NEW_MODEL_LIMITS.maxSizes) {
    problems['capabilities.sizes'] = {
      key: 'admin.check.tooManySizes',
      vars: { max: NEW_MODEL_LIMITS.maxSizes },
    };
  }
  const seen = new Set<string>();
  const sizes = draft.sizes.map((entry, index) => {
    const size = normalizeSize(entry.size);
    const tier = normalizeTier(entry.tier);
    const match = SIZE.exec(size);
    if (!match) problems[`capabilities.sizes.${index}.size`] = { key: 'admin.check.size' };
    else if (Number(match[1]) > NEW_MODEL_LIMITS.maxSide || Number(match[2]) > NEW_MODEL_LIMITS.maxSide) {
      problems[`capabilities.sizes.${index}.size`] = {
        key: 'admin.check.sizeTooLarge',
        vars: { max: NEW_MODEL_LIMITS.maxSide },
      };
    } else if (seen.has(size))
      problems[`capabilities.sizes.${index}.size`] = { key: 'admin.check.sizeTwice' };
    seen.add(size);
    if (!TIER.test(tier)) problems[`capabilities.sizes.${index}.tier`] = { key: 'admin.check.tier' };
    return { size, tier };
  });

  const maxImages = parseWholeNumber(draft.maxImages, 1, NEW_MODEL_LIMITS.maxImages);
  if (maxImages === undefined) {
    problems['capabilities.maxImages'] = {
      key: 'admin.check.wholeNumber',
      vars: { min: 1, max: NEW_MODEL_LIMITS.maxImages },
    };
  }
  const maxPromptLength = parseWholeNumber(draft.maxPromptLength, 1, NEW_MODEL_LIMITS.maxPromptLength);
  if (maxPromptLength === undefined) {
    problems['capabilities.maxPromptLength'] = {
      key: 'admin.check.wholeNumber',
      vars: { min: 1, max: NEW_MODEL_LIMITS.maxPromptLength },
    };
  }
  const pricing = pricingFrom(draftTiers(draft.sizes), draft.prices, problems);

  if (Object.keys(problems).length > 0 || maxImages === undefined || maxPromptLength === undefined) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    body: {
      id,
      nameEn,
      nameZh,
      capabilities: {
        textToImage: true,
        imageToImage: false,
        maxReferenceImages: 0,
        maxImages,
        seed: draft.seed,
        negativePrompt: draft.negativePrompt,
        maxPromptLength,
        sizes,
      },
      pricing,
      routes: [{ providerId: draft.providerId, providerModelId }],
    },
  };
}
