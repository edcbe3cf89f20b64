/**
 * What a model can do and what it costs, as stored in the catalog's jsonb
 * columns (`models.capabilities`, `models.pricing`). These schemas are the
 * only way those columns are read or written: the seed, the queries and
 * (later) the admin console all parse through them, so a request can be
 * validated and priced without trusting hand-edited JSON.
 *
 * A model is shaped one of two ways:
 * - by explicit sizes ("1024x1024"), each mapped to a price tier — providers
 *   that take pixel dimensions (OpenAI, Seedream, the local renderer);
 * - by aspect ratios ("16:9") times resolutions ("1K"), each resolution
 *   mapped to a price tier — providers that take a ratio and pick the pixels
 *   themselves (Gemini, FLUX).
 *
 * Capabilities describe what every route of the model can honour: when a
 * model has fallback routes, they are the intersection of those providers'
 * abilities, so falling back never changes what the user asked for.
 */
import { z } from 'zod';

/** Largest side we accept anywhere: 8K covers every provider in providers.md (Seedream tops out at 4096). */
const MAX_SIDE = 8192;
/** OpenAI's documented prompt limit, the largest of any provider we seed. */
const MAX_PROMPT_LENGTH = 32_000;
/** OpenAI's `n` ceiling, the largest of any provider; per-model values are usually lower. */
const MAX_IMAGES = 10;
/** Above Ark's 14 reference images, the most any provider in providers.md names. */
const MAX_REFERENCE_IMAGES = 16;

const tierName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'tier names are short lower-case slugs');

/** "1024x1024": width x height in pixels, lower-case x, no leading zeros. */
export const SIZE_PATTERN = /^([1-9]\d{1,4})x([1-9]\d{1,4})$/;
/** "16:9": width:height, both positive integers below 1000 (not necessarily in lowest terms). */
export const ASPECT_RATIO_PATTERN = /^([1-9]\d{0,2}):([1-9]\d{0,2})$/;

const sizeEntry = z.strictObject({
  size: z
    .string()
    .regex(SIZE_PATTERN, 'a size is "WIDTHxHEIGHT"')
    .refine((size) => sidesOf(size).every((side) => side <= MAX_SIDE), `sides are at most ${MAX_SIDE}`),
  tier: tierName,
});

const resolutionEntry = z.strictObject({
  /** What the user picks and the adapter maps to the provider's parameter, e.g. "1K". */
  id: z.string().regex(/^[A-Za-z0-9.]{1,8}$/),
  /**
   * Side of the square with the same area: a "1K" image of any ratio has about
   * 1024² pixels. Used for the nominal width and height (see request-shape.ts).
   */
  edge: z.int().min(64).max(MAX_SIDE),
  tier: tierName,
});

const common = {
  textToImage: z.boolean(),
  imageToImage: z.boolean(),
  /** 0 exactly when imageToImage is false. */
  maxReferenceImages: z.int().min(0).max(MAX_REFERENCE_IMAGES),
  /** Images per request (`n`). */
  maxImages: z.int().min(1).max(MAX_IMAGES),
  seed: z.boolean(),
  negativePrompt: z.boolean(),
  /** In characters (UTF-16 code units, as JavaScript counts them). */
  maxPromptLength: z.int().min(1).max(MAX_PROMPT_LENGTH),
};

const bySizes = z.strictObject({
  ...common,
  /** The first size is the default when a request names none. */
  sizes: z.array(sizeEntry).min(1).max(32),
});

const byAspectRatios = z.strictObject({
  ...common,
  /** The first ratio is the default when a request names none. */
  aspectRatios: z.array(z.string().regex(ASPECT_RATIO_PATTERN, 'an aspect ratio is "W:H"')).min(1).max(32),
  /** The first resolution is the default when a request names none. */
  resolutions: z.array(resolutionEntry).min(1).max(8),
});

export const modelCapabilitiesSchema = z.xor([bySizes, byAspectRatios]).superRefine((caps, ctx) => {
  if (!caps.textToImage && !caps.imageToImage) {
    ctx.addIssue({ code: 'custom', path: ['textToImage'], message: 'a model must do something' });
  }
  if (caps.imageToImage !== caps.maxReferenceImages > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxReferenceImages'],
      message: 'maxReferenceImages is at least 1 with imageToImage and 0 without',
    });
  }
  const keys = 'sizes' in caps ? caps.sizes.map((s) => s.size) : caps.aspectRatios;
  const field = 'sizes' in caps ? 'sizes' : 'aspectRatios';
  if (new Set(keys).size !== keys.length) {
    ctx.addIssue({ code: 'custom', path: [field], message: 'listed twice' });
  }
  if ('resolutions' in caps && new Set(caps.resolutions.map((r) => r.id)).size !== caps.resolutions.length) {
    ctx.addIssue({ code: 'custom', path: ['resolutions'], message: 'listed twice' });
  }
});

export type ModelCapabilities = z.infer<typeof modelCapabilitiesSchema>;
export type SizedCapabilities = z.infer<typeof bySizes>;
export type AspectRatioCapabilities = z.infer<typeof byAspectRatios>;

/**
 * Credits per image for each price tier. An object rather than a bare map so
 * later charges (per reference image, say) can be added without a migration.
 */
export const modelPricingSchema = z.strictObject({
  /**
   * At least 1: every generation costs something, which is what keeps free
   * starter credits from buying unlimited provider calls.
   */
  perImage: z.record(tierName, z.int().min(1).max(100_000)),
});

export type ModelPricing = z.infer<typeof modelPricingSchema>;

/** Capabilities and pricing together: the part of a model that requests are checked and priced against. */
export interface ModelDefinition {
  capabilities: ModelCapabilities;
  pricing: ModelPricing;
}

/** The tiers a model's capabilities refer to, in order of first use. */
export function tiersOf(capabilities: ModelCapabilities): string[] {
  const tiers = 'sizes' in capabilities ? capabilities.sizes : capabilities.resolutions;
  return [...new Set(tiers.map((entry) => entry.tier))];
}

/**
 * Both columns, cross-checked: every tier the capabilities use has a price,
 * and every priced tier is used (an unused one is almost always a typo).
 */
export const modelDefinitionSchema = z
  .strictObject({ capabilities: modelCapabilitiesSchema, pricing: modelPricingSchema })
  .superRefine(({ capabilities, pricing }, ctx) => {
    const used = tiersOf(capabilities);
    for (const tier of used) {
      if (!Object.hasOwn(pricing.perImage, tier)) {
        ctx.addIssue({ code: 'custom', path: ['pricing', 'perImage', tier], message: 'tier has no price' });
      }
    }
    for (const tier of Object.keys(pricing.perImage)) {
      if (!used.includes(tier)) {
        ctx.addIssue({ code: 'custom', path: ['pricing', 'perImage', tier], message: 'tier is not used' });
      }
    }
  });

/**
 * Non-secret provider settings (`providers.settings`). Admins can read these,
 * so API keys never go here: they get their own encrypted column later.
 */
export const providerSettingsSchema = z.strictObject({
  /** Overrides the provider's default API base URL (a proxy, a regional endpoint, a test fake). */
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
});

export type ProviderSettings = z.infer<typeof providerSettingsSchema>;

/**
 * Fixed provider parameters for one route (`model_routes.options`), passed to
 * the adapter as they are: e.g. OpenAI `quality`, which the price depends on,
 * or fal's separate endpoint for edits. Values are plain JSON; each adapter
 * validates the keys it reads.
 */
export const routeOptionsSchema = z.record(
  z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/),
  z.union([z.string().max(500), z.number(), z.boolean()]),
);

export type RouteOptions = z.infer<typeof routeOptionsSchema>;

/** [width, height] of a "WxH" size, or [] when it is not one (zod runs refinements after a failed regex). */
function sidesOf(size: string): number[] {
  const match = SIZE_PATTERN.exec(size);
  return match ? [Number(match[1]), Number(match[2])] : [];
}

/** [width, height] of a size that the schema accepted. */
export function parseSize(size: string): [number, number] {
  const [width, height] = sidesOf(size);
  if (width === undefined || height === undefined) throw new Error(`not a size: ${size}`);
  return [width, height];
}
