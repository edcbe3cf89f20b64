/**
 * OpenRouter image models (providers.md §4.6) through the AI SDK's OpenRouter
 * provider, on one of two routes a catalog route chooses with its `api`
 * option:
 * - `images` (default): `openrouter.imageModel(id)` with `generateImage`,
 *   which posts `{model, prompt, n, size, aspect_ratio, seed,
 *   input_references}` to `POST /images`. Reference images go as data URLs.
 *   Up to 10 images a call; `maxImagesPerCall: 1` splits `n` into parallel
 *   calls for models that make one image at a time (they reject n > 1).
 * - `chat`: chat models with image output (Gemini, Flux, … as OpenRouter
 *   lists them) through `generateText`, with `modalities` and `image_config`
 *   in the body and the images back as data URLs; one image a call, so `n`
 *   becomes `n` parallel calls.
 * Every other route option is sent in the request body as it is (OpenRouter
 * rejects parameters a model does not take, so nothing is added unasked).
 * The SDK's retries are off (the job retries); errors map by status and
 * OpenRouter's `error.code` (openrouter-errors.ts); bytes that are not an
 * image are a provider_error, never a stored broken image.
 */
import { createOpenRouter, type OpenRouterProvider } from '@openrouter/ai-sdk-provider';
import { generateImage, generateText, type FilePart, type ProviderMetadata, type TextPart } from 'ai';
import { sniffImage } from '../../images/sniff-image';
import { ignoredFields } from '../ai-sdk-images';
import { ProviderError } from '../errors';
import type {
  GenerateContext,
  GenerateRequest,
  GenerateResult,
  GeneratedImage,
  ImageProvider,
  ReferenceImage,
} from '../types';
import { openRouterError } from './openrouter-errors';

export const OPENROUTER_PROVIDER_ID = 'openrouter';

export interface OpenRouterProviderOptions {
  apiKey: string;
  /** Default https://openrouter.ai/api/v1; a proxy or a test fake otherwise. */
  baseUrl?: string;
  /** Sent as `HTTP-Referer`: OpenRouter attributes usage to the app by it. */
  appUrl?: string;
  /** Sent as `X-OpenRouter-Title`: the app's name on OpenRouter's dashboard. */
  appName?: string;
}

/** OpenRouter's normalised ratios for `image_config.aspect_ratio`; each provider clamps to its subset. */
const CHAT_RATIOS = [
  '1:1',
  '1:2',
  '1:4',
  '1:8',
  '2:1',
  '2:3',
  '3:2',
  '3:4',
  '4:1',
  '4:3',
  '4:5',
  '5:4',
  '8:1',
  '9:16',
  '16:9',
  '9:20',
  '20:9',
  '9:21',
  '21:9',
];
/** The images API takes 1-10 images a call (providers.md §4.6, and the SDK's maxImagesPerCall). */
const MAX_IMAGES_PER_CALL = 10;

type Body = Record<string, unknown>;

/** What the adapter reads from a route's options; the rest is body. */
interface RouteSettings {
  api: 'images' | 'chat';
  maxImagesPerCall: number;
  body: Body;
}

interface Delivery {
  images: GeneratedImage[];
  warnings: string[];
  requestId?: string;
  costUsd?: number;
}

const invalid = (detail: string) =>
  new ProviderError('invalid_request', { providerId: OPENROUTER_PROVIDER_ID, detail });

function routeSettings(options: GenerateRequest['providerOptions']): RouteSettings {
  const { api = 'images', maxImagesPerCall = MAX_IMAGES_PER_CALL, ...body } = options ?? {};
  if (api !== 'images' && api !== 'chat') throw invalid(`route option api must be "images" or "chat"`);
  if (
    typeof maxImagesPerCall !== 'number' ||
    !Number.isInteger(maxImagesPerCall) ||
    maxImagesPerCall < 1 ||
    maxImagesPerCall > MAX_IMAGES_PER_CALL
  ) {
    throw invalid(`route option maxImagesPerCall must be an integer from 1 to ${MAX_IMAGES_PER_CALL}`);
  }
  return { api, maxImagesPerCall, body };
}

/** The listed ratio a size reduces to exactly, if any. */
export function openRouterRatioOfSize(width: number, height: number): string | undefined {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const d = gcd(width, height);
  const ratio = `${width / d}:${height / d}`;
  return CHAT_RATIOS.includes(ratio) ? ratio : undefined;
}

/** Checks the bytes are a PNG, JPEG or WebP image and labels them by content. */
function checkedImage(bytes: Uint8Array): GeneratedImage {
  const sniffed = sniffImage(bytes);
  if (!sniffed) {
    throw new ProviderError('provider_error', {
      providerId: OPENROUTER_PROVIDER_ID,
      detail: 'the answer holds bytes that are not a PNG, JPEG or WebP image',
    });
  }
  return { bytes, mediaType: `image/${sniffed.format}` };
}

const dataUrl = (image: ReferenceImage) =>
  `data:${image.mediaType};base64,${Buffer.from(image.bytes).toString('base64')}`;

async function viaImagesApi(
  openrouter: OpenRouterProvider,
  request: GenerateRequest,
  settings: RouteSettings,
  signal: AbortSignal,
): Promise<Delivery> {
  const references = request.referenceImages ?? [];
  const result = await generateImage({
    model: openrouter.imageModel(request.model),
    prompt:
      references.length > 0 ? { text: request.prompt, images: references.map(dataUrl) } : request.prompt,
    n: request.n,
    maxImagesPerCall: settings.maxImagesPerCall,
    ...(request.size ? { size: `${request.size.width}x${request.size.height}` as const } : {}),
    ...(request.aspectRatio ? { aspectRatio: request.aspectRatio as `${number}:${number}` } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    maxRetries: 0,
    abortSignal: signal,
    providerOptions: { openrouter: settings.body as Record<string, never> },
  });
  return { images: result.images.map((image) => checkedImage(image.uint8Array)), warnings: [] };
}

/** `image_config` and `modalities` for the chat route: the request's ratio over the route's config. */
function chatBody(request: GenerateRequest, body: Body): { body: Body; warnings: string[] } {
  const warnings: string[] = [];
  const ratio =
    request.aspectRatio ??
    (request.size ? openRouterRatioOfSize(request.size.width, request.size.height) : undefined);
  if (!ratio && request.size) {
    warnings.push(
      `size ${request.size.width}x${request.size.height}: no OpenRouter aspect ratio, left to the model`,
    );
  }
  const routeConfig =
    typeof body.image_config === 'object' && body.image_config !== null ? (body.image_config as Body) : {};
  const imageConfig = { ...routeConfig, ...(ratio ? { aspect_ratio: ratio } : {}) };
  return {
    body: {
      // Text-and-image models want both; image-only ones (Flux, Sourceful) set ["image"] on the route.
      modalities: ['image', 'text'],
      ...body,
      ...(Object.keys(imageConfig).length > 0 ? { image_config: imageConfig } : {}),
    },
    warnings,
  };
}

function costOf(metadata: ProviderMetadata | undefined): number | undefined {
  const usage: unknown = metadata?.openrouter?.usage;
  if (typeof usage !== 'object' || usage === null || !('cost' in usage)) return undefined;
  return typeof usage.cost === 'number' ? usage.cost : undefined;
}

async function chatOnce(
  openrouter: OpenRouterProvider,
  request: GenerateRequest,
  body: Body,
  signal: AbortSignal,
): Promise<Delivery> {
  const content: (TextPart | FilePart)[] = [
    { type: 'text', text: request.prompt },
    ...(request.referenceImages ?? []).map((image): FilePart => ({
      type: 'file',
      data: image.bytes,
      mediaType: image.mediaType,
    })),
  ];
  const result = await generateText({
    model: openrouter.chat(request.model),
    messages: [{ role: 'user', content }],
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    maxRetries: 0,
    abortSignal: signal,
    providerOptions: { openrouter: body as Record<string, never> },
  });
  const files = result.files.filter((file) => file.mediaType.startsWith('image/'));
  if (files.length === 0) {
    // A stop on the content filter is the moderator's answer; any other imageless answer is
    // the model failing to deliver (OpenRouter's "no content generated": worth a retry).
    throw new ProviderError(result.finishReason === 'content-filter' ? 'content_policy' : 'provider_error', {
      providerId: OPENROUTER_PROVIDER_ID,
      status: 200,
      detail: `no image in the answer (finish reason ${result.rawFinishReason ?? result.finishReason})`,
    });
  }
  const cost = costOf(result.providerMetadata);
  return {
    images: files.map((file) => checkedImage(file.uint8Array)),
    warnings: [],
    ...(result.response.id ? { requestId: result.response.id } : {}),
    ...(cost !== undefined ? { costUsd: cost } : {}),
  };
}

/** One chat call per image, in parallel; the first failure cancels the others. */
async function viaChat(
  openrouter: OpenRouterProvider,
  request: GenerateRequest,
  settings: RouteSettings,
  signal: AbortSignal,
): Promise<Delivery> {
  const { body, warnings } = chatBody(request, settings.body);
  const siblings = new AbortController();
  const callSignal = AbortSignal.any([signal, siblings.signal]);
  const answers = await Promise.all(
    Array.from({ length: request.n }, () =>
      chatOnce(openrouter, request, body, callSignal).catch((error: unknown) => {
        siblings.abort();
        throw error;
      }),
    ),
  );
  const costs = answers.map((answer) => answer.costUsd);
  return {
    // A model may add a second image to one answer; n is what was asked and paid for.
    images: answers.flatMap((answer) => answer.images).slice(0, request.n),
    warnings,
    ...(answers[0]?.requestId ? { requestId: answers[0].requestId } : {}),
    ...(costs.every((cost) => cost !== undefined)
      ? { costUsd: costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0) }
      : {}),
  };
}

export function createOpenRouterProvider(options: OpenRouterProviderOptions): ImageProvider {
  const openrouter = createOpenRouter({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    ...(options.appUrl ? { appUrl: options.appUrl } : {}),
    ...(options.appName ? { appName: options.appName } : {}),
  });
  return {
    id: OPENROUTER_PROVIDER_ID,
    async generate(request: GenerateRequest, context: GenerateContext): Promise<GenerateResult> {
      const settings = routeSettings(request.providerOptions);
      const warnings = ignoredFields(request, 'OpenRouter', ['negativePrompt']);
      let delivery: Delivery;
      try {
        delivery =
          settings.api === 'chat'
            ? await viaChat(openrouter, request, settings, context.signal)
            : await viaImagesApi(openrouter, request, settings, context.signal);
      } catch (error) {
        throw openRouterError(error, OPENROUTER_PROVIDER_ID);
      }
      const metadata = {
        ...(delivery.requestId ? { requestId: delivery.requestId } : {}),
        ...(delivery.costUsd !== undefined
          ? { costUsdMicros: Math.round(delivery.costUsd * 1_000_000) }
          : {}),
      };
      return {
        images: delivery.images,
        warnings: [...warnings, ...delivery.warnings],
        ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
      };
    },
  };
}
