/**
 * Checks the shape of a generation request (size or aspect ratio and
 * resolution, number of images, reference images) against a model and
 * prices it. Pure: the generation use case calls it before placing a credit
 * hold, and the same answer can be shown to the user before they submit.
 *
 * Problems come back as `{ ok: false, field, code }` rather than thrown, so
 * callers choose how to report them; `shapeErrorToFieldError` turns one into
 * the localized field error of the API's error shape (decision 008).
 */
import type { MessageKey, MessageVars } from '../../i18n';
import type { FieldError } from '../errors';
import { parseSize, type ModelDefinition, type ModelPricing } from './capabilities';

export interface RequestShape {
  /** "WxH", for models shaped by sizes. Absent: the model's first size. */
  size?: string | null;
  /** "W:H", for models shaped by aspect ratios. Absent: the model's first ratio. */
  aspectRatio?: string | null;
  /** e.g. "2K", for models shaped by aspect ratios. Absent: the model's first resolution. */
  resolution?: string | null;
  /** Images to make; a whole number from 1 to the model's maxImages. */
  n: number;
  /** How many reference images come with the request (0 when absent). */
  referenceImages?: number;
}

export type ShapeField = 'size' | 'aspectRatio' | 'resolution' | 'n' | 'referenceImages';

export const shapeErrorCodes = [
  /** The model is shaped by sizes and does not offer this one (or it is not "WxH"). */
  'unsupported_size',
  /** The model is shaped by aspect ratios and does not offer this one. */
  'unsupported_aspect_ratio',
  'unsupported_resolution',
  /** A size was given to a model that takes an aspect ratio. */
  'size_not_accepted',
  /** An aspect ratio was given to a model that takes a size. */
  'aspect_ratio_not_accepted',
  /** A resolution was given to a model that takes a size (the size is the resolution). */
  'resolution_not_accepted',
  /** Not a whole number, or below the minimum (n below 1, a negative image count). */
  'invalid_count',
  'too_many_images',
  'reference_images_not_accepted',
  'too_many_reference_images',
  /** The model only edits (no text-to-image) and got no reference image. */
  'reference_image_required',
] as const;

export type ShapeErrorCode = (typeof shapeErrorCodes)[number];

export interface ShapeError {
  ok: false;
  field: ShapeField;
  code: ShapeErrorCode;
  /** The model's limit, for too_many_images and too_many_reference_images. */
  limit?: number;
}

export interface ResolvedShape {
  ok: true;
  /**
   * Requested pixels. For aspect-ratio models this is nominal (about edge²
   * pixels at that ratio, sides rounded to 16): the provider chooses the
   * exact pixels and the stored image records what came back.
   */
  width: number;
  height: number;
  /** Exactly one of size / aspectRatio+resolution is set, defaults applied. */
  size: string | null;
  aspectRatio: string | null;
  resolution: string | null;
  n: number;
  tier: string;
  costPerImage: number;
  totalCost: number;
}

export type ShapeResult = ResolvedShape | ShapeError;

function fail(field: ShapeField, code: ShapeErrorCode, limit?: number): ShapeError {
  return limit === undefined ? { ok: false, field, code } : { ok: false, field, code, limit };
}

const isAbsent = (value: unknown): value is null | undefined => value === undefined || value === null;

/** Credits per image of a price tier. A missing tier is a catalog bug (the schema forbids it), so it throws. */
export function priceFor(model: { pricing: ModelPricing }, tier: string): number {
  const credits = Object.hasOwn(model.pricing.perImage, tier) ? model.pricing.perImage[tier] : undefined;
  if (credits === undefined) throw new Error(`no price for tier "${tier}"`);
  return credits;
}

/** Width and height of about edge² pixels at a "W:H" ratio, each a multiple of 16 (what diffusion models use). */
export function nominalSize(aspectRatio: string, edge: number): { width: number; height: number } {
  const [w = 1, h = 1] = aspectRatio.split(':').map(Number);
  const roundTo16 = (value: number) => Math.max(16, Math.round(value / 16) * 16);
  return { width: roundTo16(edge * Math.sqrt(w / h)), height: roundTo16(edge * Math.sqrt(h / w)) };
}

/**
 * Validates a request's shape against a model and prices it. Returns the
 * first problem found: the size / aspect ratio / resolution fields first,
 * then n, then reference images. Sizes match case-insensitively ("1024X1024").
 */
export function resolveRequestShape(model: ModelDefinition, request: RequestShape): ShapeResult {
  const caps = model.capabilities;
  let width: number;
  let height: number;
  let tier: string;
  let size: string | null = null;
  let aspectRatio: string | null = null;
  let resolution: string | null = null;

  if ('sizes' in caps) {
    if (!isAbsent(request.aspectRatio)) return fail('aspectRatio', 'aspect_ratio_not_accepted');
    if (!isAbsent(request.resolution)) return fail('resolution', 'resolution_not_accepted');
    const wanted = request.size;
    const entry = isAbsent(wanted)
      ? caps.sizes[0]
      : caps.sizes.find((s) => typeof wanted === 'string' && s.size === wanted.trim().toLowerCase());
    if (!entry) return fail('size', 'unsupported_size');
    size = entry.size;
    [width, height] = parseSize(entry.size);
    tier = entry.tier;
  } else {
    if (!isAbsent(request.size)) return fail('size', 'size_not_accepted');
    const wantedRatio = request.aspectRatio;
    const ratio = isAbsent(wantedRatio)
      ? caps.aspectRatios[0]
      : caps.aspectRatios.find((r) => typeof wantedRatio === 'string' && r === wantedRatio.trim());
    if (ratio === undefined) return fail('aspectRatio', 'unsupported_aspect_ratio');
    const wantedResolution = request.resolution;
    const entry = isAbsent(wantedResolution)
      ? caps.resolutions[0]
      : caps.resolutions.find(
          (r) =>
            typeof wantedResolution === 'string' &&
            r.id.toLowerCase() === wantedResolution.trim().toLowerCase(),
        );
    if (!entry) return fail('resolution', 'unsupported_resolution');
    aspectRatio = ratio;
    resolution = entry.id;
    ({ width, height } = nominalSize(ratio, entry.edge));
    tier = entry.tier;
  }

  const n: unknown = request.n;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return fail('n', 'invalid_count');
  if (n > caps.maxImages) return fail('n', 'too_many_images', caps.maxImages);

  const references: unknown = request.referenceImages ?? 0;
  if (typeof references !== 'number' || !Number.isInteger(references) || references < 0) {
    return fail('referenceImages', 'invalid_count');
  }
  if (references > 0 && !caps.imageToImage) return fail('referenceImages', 'reference_images_not_accepted');
  if (references > caps.maxReferenceImages) {
    return fail('referenceImages', 'too_many_reference_images', caps.maxReferenceImages);
  }
  if (references === 0 && !caps.textToImage) return fail('referenceImages', 'reference_image_required');

  const costPerImage = priceFor(model, tier);
  return {
    ok: true,
    width,
    height,
    size,
    aspectRatio,
    resolution,
    n,
    tier,
    costPerImage,
    totalCost: costPerImage * n,
  };
}

const messageKeys: Record<ShapeErrorCode, MessageKey> = {
  unsupported_size: 'validation.unsupportedSize',
  unsupported_aspect_ratio: 'validation.unsupportedAspectRatio',
  unsupported_resolution: 'validation.unsupportedResolution',
  size_not_accepted: 'validation.sizeNotAccepted',
  aspect_ratio_not_accepted: 'validation.aspectRatioNotAccepted',
  resolution_not_accepted: 'validation.resolutionNotAccepted',
  invalid_count: 'validation.invalidCount',
  too_many_images: 'validation.tooManyImages',
  reference_images_not_accepted: 'validation.referenceImagesNotAccepted',
  too_many_reference_images: 'validation.tooManyReferenceImages',
  reference_image_required: 'validation.referenceImageRequired',
};

/** The API's field error for a shape problem; the message is localized at the HTTP edge. */
export function shapeErrorToFieldError(error: ShapeError): FieldError {
  const vars: MessageVars | undefined = error.limit === undefined ? undefined : { max: error.limit };
  return vars
    ? { field: error.field, message: messageKeys[error.code], vars }
    : { field: error.field, message: messageKeys[error.code] };
}
