/**
 * What to send Replicate for one request (providers.md §4.2, "Model
 * inputs"): each model family names its fields its own way, so the request
 * is mapped per family and split into predictions, each asking for as many
 * images as one prediction of that model can make. The route's
 * `providerOptions` are model inputs too, merged over the mapped fields as a
 * passthrough, so an operator can set any field of the model's schema from
 * the catalog.
 *
 * - Seedream 4.x / 5 (`bytedance/seedream-*`): `size` as a tier (1K, 2K, 4K)
 *   with `aspect_ratio` when the requested pixels are one of the tier's
 *   sizes, else `custom` with `width`/`height`; references as `image_input[]`.
 *   One image per prediction by default: with `sequential_image_generation:
 *   auto` the model decides how many images to make, up to `max_images`, so a
 *   prediction asked for four may bring one. A route that wants the batch
 *   anyway sets `sequential_image_generation: "auto"` and gets one prediction
 *   with `max_images: n`.
 * - FLUX (`black-forest-labs/flux-*`): `aspect_ratio`, `seed`,
 *   `output_format` (PNG unless the route says otherwise: the platform keeps
 *   the original), and `num_outputs` on schnell and dev (up to 4); the other
 *   FLUX models make one image per prediction. FLUX.2 takes references as
 *   `input_image`, `input_image_2`, …; Kontext one `input_image`.
 * - Anything else: `prompt`, `aspect_ratio` or `width`/`height`, and `seed`,
 *   one image per prediction; the route's options fill in the rest.
 */
import { ProviderError } from '../errors';
import type { GenerateRequest, ImageSize, ReferenceImage } from '../types';

export interface PlannedPrediction {
  input: Record<string, unknown>;
  /** Images this prediction is asked for. */
  images: number;
  /** The seed sent, when the prediction makes one image (so it is that image's seed). */
  imageSeed?: number;
}

export interface PredictionPlan {
  predictions: PlannedPrediction[];
  warnings: string[];
  /** The seed sent with the first prediction, when one was. */
  seed?: number;
}

interface FamilyInput {
  /** Fields every prediction of the request shares, before the route's options. */
  input: Record<string, unknown>;
  warnings: string[];
  /** Images one prediction can make, given the merged input. */
  perPrediction: (merged: Record<string, unknown>) => number;
  /** Writes the count and seed of one prediction into its input. */
  finish: (input: Record<string, unknown>, images: number, seed: number | undefined) => void;
}

/** The model's `owner/name`, without a pinned `:version`. */
export function modelName(model: string): string {
  return model.split(':')[0] ?? model;
}

function invalid(detail: string): ProviderError {
  return new ProviderError('invalid_request', { providerId: 'replicate', detail });
}

function dataUrl(image: ReferenceImage): string {
  return `data:${image.mediaType};base64,${Buffer.from(image.bytes).toString('base64')}`;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The ratio "W:H" a size reduces to. */
function reducedRatio(size: ImageSize): string {
  const d = gcd(size.width, size.height);
  return `${size.width / d}:${size.height / d}`;
}

function ratioValue(ratio: string): number {
  const [w = 1, h = 1] = ratio.split(':').map(Number);
  return w / h;
}

/** The listed ratio closest to `wanted` (by the logarithm of the ratios, so 2:1 and 1:2 are as far from 1:1). */
function nearestRatio(wanted: number, listed: readonly string[]): string {
  let best = listed[0] ?? '1:1';
  for (const ratio of listed) {
    if (Math.abs(Math.log(ratioValue(ratio) / wanted)) < Math.abs(Math.log(ratioValue(best) / wanted))) {
      best = ratio;
    }
  }
  return best;
}

/**
 * The aspect ratio to send from a list the model takes: the request's own,
 * else the one its size reduces to, else the nearest (with a warning).
 */
function pickRatio(
  request: GenerateRequest,
  listed: readonly string[],
  warnings: string[],
): string | undefined {
  const wanted = request.aspectRatio ?? (request.size ? reducedRatio(request.size) : undefined);
  if (wanted === undefined) return undefined;
  if (listed.includes(wanted)) return wanted;
  const nearest = nearestRatio(ratioValue(wanted), listed);
  warnings.push(`aspect ratio ${wanted}: not offered by ${request.model}, sent as ${nearest}`);
  return nearest;
}

function commonWarnings(request: GenerateRequest, fields: { seed: boolean }): string[] {
  const warnings: string[] = [];
  if (request.negativePrompt) warnings.push(`negativePrompt: not supported by ${request.model}, ignored`);
  if (!fields.seed && request.seed !== undefined)
    warnings.push(`seed: not supported by ${request.model}, ignored`);
  return warnings;
}

/* ---------------------------------------------------------------- Seedream */

/*
 * Seedream's 2K sizes per ratio (the same table the catalog's sizes use);
 * 1K and 4K only square, the one size of those tiers the docs state. Any
 * other size within 1024-4096 a side goes as `custom`.
 */
const SEEDREAM_2K: Record<string, string> = {
  '2048x2048': '1:1',
  '2304x1728': '4:3',
  '1728x2304': '3:4',
  '2560x1440': '16:9',
  '1440x2560': '9:16',
  '2496x1664': '3:2',
  '1664x2496': '2:3',
  '3024x1296': '21:9',
};
const SEEDREAM_RATIOS = ['1:1', '4:3', '3:4', '16:9', '9:16', '3:2', '2:3', '21:9'];
const SEEDREAM_SIDE = { min: 1024, max: 4096 };
/* Input and output images together: at most 15 (§4.2). */
const SEEDREAM_MAX_IMAGES_IN_AND_OUT = 15;

function seedreamSize(request: GenerateRequest, warnings: string[]): Record<string, unknown> {
  // Seedream 4.5 has no 1K tier (§4.2).
  const has1K = modelName(request.model) !== 'bytedance/seedream-4.5';
  const { size } = request;
  if (!size) {
    const ratio = pickRatio(request, SEEDREAM_RATIOS, warnings);
    return { size: '2K', ...(ratio ? { aspect_ratio: ratio } : {}) };
  }
  const key = `${size.width}x${size.height}`;
  const tierRatio = SEEDREAM_2K[key];
  if (tierRatio) return { size: '2K', aspect_ratio: tierRatio };
  if (key === '1024x1024' && has1K) return { size: '1K', aspect_ratio: '1:1' };
  if (key === '4096x4096') return { size: '4K', aspect_ratio: '1:1' };
  const fits = (side: number) =>
    Number.isInteger(side) && side >= SEEDREAM_SIDE.min && side <= SEEDREAM_SIDE.max;
  if (!fits(size.width) || !fits(size.height)) {
    throw invalid(`size ${key}: ${request.model} takes ${SEEDREAM_SIDE.min}-${SEEDREAM_SIDE.max} px a side`);
  }
  return { size: 'custom', width: size.width, height: size.height };
}

function seedreamInput(request: GenerateRequest): FamilyInput {
  const warnings = commonWarnings(request, { seed: false });
  // Seedream 4.0 takes 1-10 references, 4.5 and 5 up to 14 (§4.2).
  const maxReferences = modelName(request.model) === 'bytedance/seedream-4' ? 10 : 14;
  const references = request.referenceImages ?? [];
  if (references.length > maxReferences) {
    throw invalid(`${references.length} reference images: ${request.model} takes at most ${maxReferences}`);
  }
  const input: Record<string, unknown> = {
    prompt: request.prompt,
    ...seedreamSize(request, warnings),
    ...(references.length > 0 ? { image_input: references.map(dataUrl) } : {}),
    sequential_image_generation: 'disabled',
  };
  const room = Math.max(1, SEEDREAM_MAX_IMAGES_IN_AND_OUT - references.length);
  return {
    input,
    warnings,
    perPrediction: (merged) => (merged.sequential_image_generation === 'auto' ? room : 1),
    finish: (merged, images) => {
      if (merged.sequential_image_generation === 'auto' && merged.max_images === undefined) {
        merged.max_images = images;
      }
      // A route that picked a tier drops the custom pixels, which the model refuses without `custom`.
      if (merged.size !== 'custom') {
        delete merged.width;
        delete merged.height;
      }
    },
  };
}

/* -------------------------------------------------------------------- FLUX */

const FLUX_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'];
/* schnell and dev take num_outputs 1-4; the pro, Kontext and FLUX.2 models make one image per call. */
const FLUX_BATCH_MODELS = /^black-forest-labs\/flux-(schnell|dev)(-lora)?$/;
const FLUX_BATCH = 4;
/* FLUX.2 takes up to 8 reference images as input_image, input_image_2, … (§4.2, §3.1). */
const FLUX2_MAX_REFERENCES = 8;

function fluxReferences(request: GenerateRequest, warnings: string[]): Record<string, string> {
  const references = request.referenceImages ?? [];
  if (references.length === 0) return {};
  const name = modelName(request.model);
  const max = name.includes('/flux-2') ? FLUX2_MAX_REFERENCES : name.includes('kontext') ? 1 : 0;
  if (max === 0) {
    warnings.push(`referenceImages: ${request.model} takes no reference images, not sent`);
    return {};
  }
  if (references.length > max) {
    throw invalid(`${references.length} reference images: ${request.model} takes at most ${max}`);
  }
  return Object.fromEntries(
    references.map((image, i) => [i === 0 ? 'input_image' : `input_image_${i + 1}`, dataUrl(image)]),
  );
}

function fluxInput(request: GenerateRequest): FamilyInput {
  const warnings = commonWarnings(request, { seed: true });
  const ratio = pickRatio(request, FLUX_RATIOS, warnings);
  const batches = FLUX_BATCH_MODELS.test(modelName(request.model));
  const input: Record<string, unknown> = {
    prompt: request.prompt,
    ...(ratio ? { aspect_ratio: ratio } : {}),
    output_format: 'png',
    ...fluxReferences(request, warnings),
  };
  return {
    input,
    warnings,
    perPrediction: () => (batches ? FLUX_BATCH : 1),
    finish: (merged, images, seed) => {
      if (batches && merged.num_outputs === undefined) merged.num_outputs = images;
      if (seed !== undefined && merged.seed === undefined) merged.seed = seed;
    },
  };
}

/* ----------------------------------------------------------------- Generic */

function genericInput(request: GenerateRequest): FamilyInput {
  const warnings = commonWarnings(request, { seed: true });
  if (request.referenceImages?.length) {
    warnings.push(`referenceImages: no known image field for ${request.model}, not sent`);
  }
  const shape = request.aspectRatio
    ? { aspect_ratio: request.aspectRatio }
    : request.size
      ? { width: request.size.width, height: request.size.height }
      : {};
  return {
    input: { prompt: request.prompt, ...shape },
    warnings,
    perPrediction: () => 1,
    finish: (merged, _images, seed) => {
      if (seed !== undefined && merged.seed === undefined) merged.seed = seed;
    },
  };
}

/* -------------------------------------------------------------------- Plan */

function familyInput(request: GenerateRequest): FamilyInput {
  if (request.model.startsWith('bytedance/seedream-')) return seedreamInput(request);
  if (request.model.startsWith('black-forest-labs/flux-')) return fluxInput(request);
  return genericInput(request);
}

/* Seeds are 32-bit unsigned on Replicate's models; prediction i of a split request gets seed + i. */
const SEED_RANGE = 2 ** 32;

/** The predictions that make `request.n` images, with their inputs, and the warnings. */
export function planPredictions(request: GenerateRequest): PredictionPlan {
  if (!Number.isInteger(request.n) || request.n < 1) throw invalid(`n ${request.n}: at least one image`);
  const family = familyInput(request);
  const merged = { ...family.input, ...(request.providerOptions ?? {}) };
  const perPrediction = Math.max(1, family.perPrediction(merged));
  const predictions: PlannedPrediction[] = [];
  for (let left = request.n, index = 0; left > 0; index++) {
    const images = Math.min(perPrediction, left);
    left -= images;
    const seed = request.seed === undefined ? undefined : (request.seed + index) % SEED_RANGE;
    const input = { ...merged };
    family.finish(input, images, seed);
    const sentSeed = typeof input.seed === 'number' ? input.seed : undefined;
    predictions.push({
      input,
      images,
      ...(images === 1 && sentSeed !== undefined ? { imageSeed: sentSeed } : {}),
    });
  }
  const firstSeed = predictions[0]?.input.seed;
  return {
    predictions,
    warnings: family.warnings,
    ...(typeof firstSeed === 'number' ? { seed: firstSeed } : {}),
  };
}
