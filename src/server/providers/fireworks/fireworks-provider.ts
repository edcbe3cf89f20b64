/**
 * Fireworks FLUX (providers.md §4.4): one adapter, two protocols, chosen per
 * route.
 *
 * - Synchronous FLUX.1 (flux-1-schnell-fp8, flux-1-dev-fp8) goes through the
 *   AI SDK: `fireworks.image(id)` with `generateImage`, which posts to
 *   `/workflows/{model}/text_to_image` and gets the image bytes back. `n`
 *   images are `n` parallel calls made here, each with its own seed (the
 *   request's, counting up), since one seed for all would give `n` copies.
 *   The answer's `Seed` and `Finish-Reason` headers are read: a
 *   `CONTENT_FILTERED` image is a content_policy failure, not a picture.
 * - Kontext (flux-kontext-pro, flux-kontext-max) is asynchronous and goes
 *   through the native client in fireworks-kontext.ts, which implements the
 *   PendingWork protocol (onPending, resume, sleep).
 *
 * Which one: the route's `providerOptions.mode` (`'sync'` or `'async'`)
 * decides when set; otherwise a model id containing "kontext" is
 * asynchronous and every other id synchronous. `mode` is the adapter's own
 * option and is never sent; the route's other options are passed through to
 * Fireworks (guidance_scale, num_inference_steps, output_format,
 * safety_tolerance, …). The SDK's retries are off (the job retries); every
 * image is checked by its bytes, and anything that is not a PNG, JPEG or WebP
 * is a provider_error rather than a broken image.
 */
import { createFireworks, type FireworksProvider } from '@ai-sdk/fireworks';
import { generateImage } from 'ai';
import { sniffImage } from '../../images/sniff-image';
import { ignoredFields } from '../ai-sdk-images';
import { ProviderError } from '../errors';
import type {
  GeneratedImage,
  GenerateContext,
  GenerateRequest,
  GenerateResult,
  ImageProvider,
} from '../types';
import { FIREWORKS_PROVIDER_ID, fireworksError, unusableAnswer } from './fireworks-errors';
import { callSignal, generateWithKontext, type KontextClient } from './fireworks-kontext';
import { textToImageRatio } from './fireworks-ratios';

export { FIREWORKS_PROVIDER_ID };

export interface FireworksProviderOptions {
  apiKey: string;
  /** Default https://api.fireworks.ai/inference/v1; a proxy or a test fake otherwise. */
  baseUrl?: string;
  /** Kontext: the wait between two polls (default 1 s; a Kontext image takes about 8-10 s). */
  pollIntervalMs?: number;
  /** Kontext: sent as `webhook_secret` along with `context.webhookUrl`. */
  webhookSecret?: string;
}

export const FIREWORKS_DEFAULT_BASE_URL = 'https://api.fireworks.ai/inference/v1';
const DEFAULT_POLL_INTERVAL_MS = 1_000;
const SEED_SPACE = 2 ** 32;

export type FireworksMode = 'sync' | 'async';

/** Sync or async for a request: the route's `providerOptions.mode`, else "kontext" in the model id. */
export function fireworksMode(request: GenerateRequest): FireworksMode {
  const mode = request.providerOptions?.mode;
  if (mode === 'sync' || mode === 'async') return mode;
  if (mode !== undefined) {
    throw new ProviderError('invalid_request', {
      providerId: FIREWORKS_PROVIDER_ID,
      detail: `providerOptions.mode must be 'sync' or 'async', not ${JSON.stringify(mode)}`,
    });
  }
  return /kontext/i.test(request.model) ? 'async' : 'sync';
}

export function createFireworksProvider(options: FireworksProviderOptions): ImageProvider {
  const baseUrl = (options.baseUrl ?? FIREWORKS_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const fireworks = createFireworks({ apiKey: options.apiKey, baseURL: baseUrl });
  const kontext: KontextClient = {
    apiKey: options.apiKey,
    baseUrl,
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    ...(options.webhookSecret ? { webhookSecret: options.webhookSecret } : {}),
  };
  return {
    id: FIREWORKS_PROVIDER_ID,
    async generate(request: GenerateRequest, context: GenerateContext): Promise<GenerateResult> {
      return fireworksMode(request) === 'async'
        ? generateWithKontext(kontext, request, context)
        : generateTextToImage(fireworks, request, context);
    },
  };
}

async function generateTextToImage(
  fireworks: FireworksProvider,
  request: GenerateRequest,
  context: GenerateContext,
): Promise<GenerateResult> {
  const warnings = ignoredFields(request, 'Fireworks FLUX.1', ['negativePrompt']);
  if ((request.referenceImages?.length ?? 0) > 0) {
    warnings.push('referenceImages: FLUX.1 text_to_image takes no input image, ignored');
  }
  if (request.seed === 0) warnings.push('seed: 0 means a random seed on Fireworks');
  const aspectRatio = textToImageRatio(request, warnings);
  const { mode: _mode, ...routeOptions } = request.providerOptions ?? {};
  // Ends the sibling calls once one failed: their images could not be used anyway.
  const outer = callSignal(context);
  const scope = new AbortController();
  const signal = AbortSignal.any([outer, scope.signal]);

  const one = async (index: number): Promise<GeneratedImage> => {
    const seed = request.seed === undefined ? undefined : (request.seed + index) % SEED_SPACE;
    const result = await generateImage({
      model: fireworks.image(request.model),
      prompt: request.prompt,
      n: 1,
      aspectRatio: aspectRatio as `${number}:${number}`,
      ...(seed === undefined ? {} : { seed }),
      maxRetries: 0,
      abortSignal: signal,
      providerOptions: { fireworks: routeOptions as Record<string, never> },
    });
    const call = result.calls[0];
    return checkedImage(call?.images[0]?.uint8Array, call?.response.headers, seed);
  };

  try {
    const images = await Promise.all(Array.from({ length: request.n }, (_, index) => one(index)));
    return {
      images,
      warnings,
      ...(images[0]?.seed === undefined ? {} : { seed: images[0].seed }),
    };
  } catch (error) {
    scope.abort();
    throw fireworksError(error, outer);
  }
}

/** One text_to_image answer as an image, or the reason it is not one. */
function checkedImage(
  bytes: Uint8Array | undefined,
  headers: Record<string, string> | undefined,
  askedSeed: number | undefined,
): GeneratedImage {
  const finishReason = headers?.['finish-reason'];
  if (finishReason === 'CONTENT_FILTERED') {
    throw new ProviderError('content_policy', {
      providerId: FIREWORKS_PROVIDER_ID,
      detail: 'finish reason CONTENT_FILTERED',
    });
  }
  const sniffed = bytes ? sniffImage(bytes) : null;
  if (!bytes || !sniffed) throw unusableAnswer('text_to_image answer is not a PNG, JPEG or WebP image');
  const reported = Number(headers?.seed);
  const seed = Number.isInteger(reported) && headers?.seed !== undefined ? reported : askedSeed;
  return { bytes, mediaType: `image/${sniffed.format}`, ...(seed === undefined ? {} : { seed }) };
}
