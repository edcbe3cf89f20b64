/**
 * The JSON input a fal endpoint takes for a GenerateRequest
 * (providers.md §4.3, "Models"). fal has no common image schema: each model
 * family names its fields, so the family is read from the endpoint id the
 * catalog route gives (`…/seedream/…`, `…/flux…`), and the route's
 * providerOptions are merged over the result as a passthrough for fields
 * this module does not know. What a family cannot honour becomes a warning.
 */
import type { GenerateRequest, ImageSize } from '../types';

export type FalFamily = 'seedream' | 'flux' | 'generic';

export interface FalInput {
  input: Record<string, unknown>;
  warnings: string[];
}

/*
 * Pixels aimed at when only an aspect ratio is given: Seedream's own default
 * is 2048², and fal refuses fewer than 960² total pixels on it, so its
 * ratios are sent as explicit sizes of that area; FLUX and the rest default
 * to about one megapixel.
 */
const SEEDREAM_AREA = 2048 * 2048;
const DEFAULT_AREA = 1024 * 1024;
/* Seedream takes at most 4096 px a side. */
const SEEDREAM_MAX_SIDE = 4096;

/* fal's image_size presets (also what @ai-sdk/fal maps ratios to, §4.3). */
const PRESETS: Readonly<Record<string, string>> = {
  '1:1': 'square_hd',
  '4:3': 'landscape_4_3',
  '3:4': 'portrait_4_3',
  '16:9': 'landscape_16_9',
  '9:16': 'portrait_16_9',
};

export function falFamily(model: string): FalFamily {
  const segments = model.toLowerCase().split('/');
  if (segments.includes('seedream')) return 'seedream';
  if (segments.some((segment) => segment === 'flux' || segment.startsWith('flux-'))) return 'flux';
  return 'generic';
}

function parseRatio(ratio: string): { width: number; height: number } | undefined {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ratio.trim());
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

const to16 = (value: number) => Math.max(16, Math.round(value / 16) * 16);

/** A size of about `area` pixels with the given ratio, in 16-px steps. */
export function sizeForRatio(
  ratio: { width: number; height: number },
  area: number,
  maxSide?: number,
): ImageSize {
  let width = Math.sqrt((area * ratio.width) / ratio.height);
  let height = Math.sqrt((area * ratio.height) / ratio.width);
  const longest = Math.max(width, height);
  if (maxSide !== undefined && longest > maxSide) {
    width = (width * maxSide) / longest;
    height = (height * maxSide) / longest;
  }
  return { width: to16(width), height: to16(height) };
}

const sameRatio = (size: ImageSize, ratio: { width: number; height: number }) =>
  Math.abs(size.width / size.height - ratio.width / ratio.height) < 0.01;

/** `image_size`: the request's pixels when given, else a preset or explicit size for its ratio. */
function imageSize(
  request: GenerateRequest,
  family: FalFamily,
  warnings: string[],
): string | ImageSize | undefined {
  const ratio = request.aspectRatio ? parseRatio(request.aspectRatio) : undefined;
  if (request.aspectRatio && !ratio) {
    warnings.push(`aspectRatio ${request.aspectRatio}: not a W:H ratio, ignored`);
  }
  if (request.size) {
    if (ratio && !sameRatio(request.size, ratio)) {
      warnings.push(`aspectRatio ${request.aspectRatio}: differs from size, the size was used`);
    }
    return { width: request.size.width, height: request.size.height };
  }
  if (!ratio || !request.aspectRatio) return undefined;
  if (family === 'seedream') return sizeForRatio(ratio, SEEDREAM_AREA, SEEDREAM_MAX_SIDE);
  return PRESETS[request.aspectRatio.trim()] ?? sizeForRatio(ratio, DEFAULT_AREA);
}

const dataUrl = (image: { bytes: Uint8Array; mediaType: string }) =>
  `data:${image.mediaType};base64,${Buffer.from(image.bytes).toString('base64')}`;

/**
 * Reference images as data URIs (no upload step, and nothing to expire):
 * all of them in `image_urls` on edit and multi-image endpoints, the first
 * in `image_url` on single-image ones (FLUX image-to-image, Kontext).
 */
function referenceFields(request: GenerateRequest, warnings: string[]): Record<string, unknown> {
  const references = request.referenceImages ?? [];
  if (references.length === 0) return {};
  const model = request.model.toLowerCase();
  if (/\/(edit|multi)$/.test(model)) return { image_urls: references.map(dataUrl) };
  if (/(image-to-image|kontext|redux)/.test(model)) {
    if (references.length > 1) {
      warnings.push(`referenceImages: ${request.model} takes one image, only the first was sent`);
    }
    return { image_url: dataUrl(references[0]!) };
  }
  warnings.push(`referenceImages: not supported by ${request.model}, ignored`);
  return {};
}

export function buildFalInput(request: GenerateRequest): FalInput {
  const family = falFamily(request.model);
  const warnings: string[] = [];
  const size = imageSize(request, family, warnings);
  const input: Record<string, unknown> = {
    prompt: request.prompt,
    num_images: request.n,
    ...(size !== undefined ? { image_size: size } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...referenceFields(request, warnings),
  };
  if (request.negativePrompt) {
    // Neither Seedream nor FLUX on fal has a negative prompt; other fal models usually name it so.
    if (family === 'generic') input.negative_prompt = request.negativePrompt;
    else warnings.push(`negativePrompt: not supported by ${request.model}, ignored`);
  }
  // fal's FLUX answers JPEG unless asked; PNG keeps the original lossless for our own processing.
  if (family === 'flux') input.output_format = 'png';
  return { input: { ...input, ...(request.providerOptions ?? {}) }, warnings };
}
