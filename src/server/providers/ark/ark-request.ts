/**
 * The body of Ark's `POST /images/generations` (providers.md §4.8) for one
 * GenerateRequest, and the warnings for what Ark cannot honour:
 * - `size` as `WxH` from the request's pixels; from its aspect ratio, Ark's
 *   recommended size at the route's tier (`providerOptions.size`, 1K–4K,
 *   2K by default); or the route's tier or `WxH` as given.
 * - reference images as `data:image/<format>;base64,…` (a string for one,
 *   an array for several); at most 14.
 * - n > 1 as group generation: `sequential_image_generation: auto` with
 *   `max_images`, which with the references must stay within 15.
 * - `watermark: false` and `response_format: b64_json` unless the route's
 *   options say otherwise; other route options pass through as Ark fields.
 * - `seed` only to the 3.0 models, the only ones that take it.
 */
import { sniffImage } from '../../images/sniff-image';
import { ProviderError } from '../errors';
import type { GenerateRequest, ReferenceImage } from '../types';

/** Seedream 4.x/5.x take up to 14 references; references plus outputs of a group stay within 15. */
export const MAX_REFERENCE_IMAGES = 14;
const MAX_GROUP_TOTAL = 15;
/** Ark's seed range is [-1, 2³¹−1]; -1 means random. */
const MAX_SEED = 2_147_483_647;

/** Fields the adapter sets itself; a route cannot override them. */
const RESERVED_OPTIONS = new Set([
  'model',
  'prompt',
  'image',
  'seed',
  'n',
  'stream',
  'sequential_image_generation',
  'sequential_image_generation_options',
]);

/** Ark's recommended 2K sizes per ratio (ModelArk image generation API, `size`). */
const RECOMMENDED_2K: Readonly<Record<string, readonly [number, number]>> = {
  '1:1': [2048, 2048],
  '4:3': [2304, 1728],
  '3:4': [1728, 2304],
  '16:9': [2560, 1440],
  '9:16': [1440, 2560],
  '3:2': [2496, 1664],
  '2:3': [1664, 2496],
  '21:9': [3024, 1296],
};
/** Each tier's area against 2K's; the recommended sizes scale by the side factor. */
const TIER_SCALE: Readonly<Record<string, number>> = { '1K': 0.5, '2K': 1, '3K': 1.5, '4K': 2 };
/** Ark's ratio limits for Seedream 4.x and later. */
const MIN_RATIO = 1 / 16;
const MAX_RATIO = 16;

export type ResponseFormat = 'url' | 'b64_json';

export interface ArkRequestBody {
  body: Record<string, unknown>;
  /** How many images the call may return (the request's n, unless Ark's group limit cuts it). */
  expected: number;
  responseFormat: ResponseFormat;
  /** The seed sent, when one was. */
  seed: number | undefined;
  warnings: string[];
}

/** Seedream 3.0 text-to-image and SeedEdit 3.0, with or without Volcengine's `doubao-` prefix. */
export function takesSeed(model: string): boolean {
  return /^(doubao-)?(seedream-3-0-t2i|seededit-3-0-i2i)(-|$)/.test(model);
}

export function buildArkBody(request: GenerateRequest, providerId: string): ArkRequestBody {
  const warnings: string[] = [];
  const options = { ...request.providerOptions };
  const fail = (detail: string) => new ProviderError('invalid_request', { providerId, detail });

  const references = request.referenceImages ?? [];
  if (references.length > MAX_REFERENCE_IMAGES) {
    throw fail(`${references.length} reference images: Ark takes at most ${MAX_REFERENCE_IMAGES}`);
  }
  const size = resolveSize(request, options.size, warnings, fail);
  const group = groupFields(request.n, references.length, warnings);
  const responseFormat: ResponseFormat = options.response_format === 'url' ? 'url' : 'b64_json';
  const seed = seedField(request, warnings);
  if (request.negativePrompt) warnings.push('negativePrompt: not supported by Ark, ignored');

  const passthrough: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (key === 'size') continue;
    if (RESERVED_OPTIONS.has(key)) warnings.push(`providerOptions.${key}: set by the adapter, ignored`);
    else passthrough[key] = value;
  }
  const body: Record<string, unknown> = {
    model: request.model,
    prompt: request.prompt,
    ...(references.length === 1 ? { image: toDataUrl(references[0]!) } : {}),
    ...(references.length > 1 ? { image: references.map(toDataUrl) } : {}),
    ...(size ? { size } : {}),
    ...group.fields,
    ...(seed !== undefined ? { seed } : {}),
    // Ark watermarks by default; the platform does not, unless the route asks for it.
    watermark: false,
    ...passthrough,
    response_format: responseFormat,
  };
  return { body, expected: group.expected, responseFormat, seed, warnings };
}

/** A reference image as Ark wants it: a data URL whose format is lower case, taken from the bytes. */
function toDataUrl(image: ReferenceImage): string {
  const format = sniffImage(image.bytes)?.format ?? image.mediaType.replace(/^image\//i, '').toLowerCase();
  return `data:image/${format};base64,${Buffer.from(image.bytes).toString('base64')}`;
}

function groupFields(
  n: number,
  references: number,
  warnings: string[],
): { fields: Record<string, unknown>; expected: number } {
  if (n <= 1) return { fields: {}, expected: 1 };
  const maxImages = Math.max(1, Math.min(n, MAX_GROUP_TOTAL - references));
  if (maxImages < n) {
    warnings.push(
      `n: Ark makes at most ${MAX_GROUP_TOTAL} images with the references, asked for ${maxImages}`,
    );
  }
  return {
    fields: {
      sequential_image_generation: 'auto',
      sequential_image_generation_options: { max_images: maxImages },
    },
    expected: maxImages,
  };
}

function seedField(request: GenerateRequest, warnings: string[]): number | undefined {
  if (request.seed === undefined) return undefined;
  if (!takesSeed(request.model)) {
    warnings.push(`seed: ${request.model} takes no seed on Ark (Seedream 3.0 only), ignored`);
    return undefined;
  }
  if (request.seed <= MAX_SEED) return request.seed;
  const folded = request.seed % (MAX_SEED + 1);
  warnings.push(`seed: Ark takes at most ${MAX_SEED}, sent ${folded}`);
  return folded;
}

/** The `size` field: the request's pixels, its ratio at the route's tier, or the route's own size. */
function resolveSize(
  request: GenerateRequest,
  routeSize: unknown,
  warnings: string[],
  fail: (detail: string) => ProviderError,
): string | undefined {
  const route = typeof routeSize === 'string' ? routeSize : undefined;
  if (request.size) {
    const { width, height } = request.size;
    const ratio = request.aspectRatio ? parseRatio(request.aspectRatio) : undefined;
    if (ratio && Math.abs(width / height - ratio) > 0.01) {
      warnings.push(`aspectRatio ${request.aspectRatio}: the size ${width}x${height} was sent instead`);
    }
    return `${width}x${height}`;
  }
  if (request.aspectRatio) {
    const ratio = parseRatio(request.aspectRatio);
    if (ratio === undefined || ratio < MIN_RATIO || ratio > MAX_RATIO) {
      throw fail(`aspect ratio ${request.aspectRatio}: Ark takes ratios from 1:16 to 16:1`);
    }
    return sizeForRatio(request.aspectRatio, ratio, route && route in TIER_SCALE ? route : '2K');
  }
  return route;
}

function parseRatio(value: string): number | undefined {
  const match = /^(\d+):(\d+)$/.exec(value);
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  return width > 0 && height > 0 ? width / height : undefined;
}

/** Ark's recommended size for the ratio at the tier, or the tier's area at that ratio in 16 px steps. */
export function sizeForRatio(label: string, ratio: number, tier: string): string {
  const scale = TIER_SCALE[tier] ?? 1;
  const recommended = RECOMMENDED_2K[label];
  if (recommended) return `${Math.round(recommended[0] * scale)}x${Math.round(recommended[1] * scale)}`;
  const area = (2048 * scale) ** 2;
  const step = (value: number) => Math.max(16, Math.round(value / 16) * 16);
  return `${step(Math.sqrt(area * ratio))}x${step(Math.sqrt(area / ratio))}`;
}
