/**
 * Gemini image models (providers.md §4.5) through the AI SDK:
 * `google.image(id)` calls `generateContent` with image output, one image
 * per call (`n` becomes parallel calls). Gemini takes an aspect ratio, not
 * pixels: the request's ratio is sent, or the one its size reduces to when
 * Gemini lists it; the image size (512, 1K, 2K, 4K) is the member's
 * resolution, unless the route's options fix `imageConfig.imageSize`. Failures map by status and Google's
 * structured fields: a bad key is a 400 with reason `API_KEY_INVALID`, a 429
 * carries its wait in the body (`RetryInfo.retryDelay`), and a safety block
 * is a 200 without an image, which the SDK reports as no image generated.
 */
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { generateImage, NoImageGeneratedError } from 'ai';
import { ignoredFields, sdkImages } from '../ai-sdk-images';
import { ProviderError, toProviderError } from '../errors';
import type { GenerateContext, GenerateRequest, GenerateResult, ImageProvider } from '../types';

export const GEMINI_PROVIDER_ID = 'google';

export interface GeminiProviderOptions {
  apiKey: string;
  /** Default https://generativelanguage.googleapis.com/v1beta. */
  baseUrl?: string;
}

const RATIOS = [
  '1:1',
  '2:3',
  '3:2',
  '3:4',
  '4:3',
  '4:5',
  '5:4',
  '9:16',
  '16:9',
  '21:9',
  '1:8',
  '8:1',
  '1:4',
  '4:1',
];

/** The listed ratio a size reduces to exactly, if any. */
export function ratioOfSize(width: number, height: number): string | undefined {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const d = gcd(width, height);
  const ratio = `${width / d}:${height / d}`;
  return RATIOS.includes(ratio) ? ratio : undefined;
}

export function createGeminiProvider(options: GeminiProviderOptions): ImageProvider {
  const google = createGoogleGenerativeAI({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
  });
  return {
    id: GEMINI_PROVIDER_ID,
    async generate(request: GenerateRequest, context: GenerateContext): Promise<GenerateResult> {
      const warnings = ignoredFields(request, 'Gemini', ['seed', 'negativePrompt']);
      const aspectRatio =
        request.aspectRatio ??
        (request.size ? ratioOfSize(request.size.width, request.size.height) : undefined);
      if (!aspectRatio && request.size) {
        warnings.push(
          `size ${request.size.width}x${request.size.height}: no Gemini aspect ratio, sent as 1:1`,
        );
      }
      const references = request.referenceImages ?? [];
      try {
        const result = await generateImage({
          model: google.image(request.model),
          prompt:
            references.length > 0
              ? { text: request.prompt, images: references.map((image) => image.bytes) }
              : request.prompt,
          n: request.n,
          aspectRatio: (aspectRatio ?? '1:1') as `${number}:${number}`,
          maxRetries: 0,
          abortSignal: context.signal,
          providerOptions: { google: googleOptions(request) as Record<string, never> },
        });
        return {
          images: sdkImages(result),
          warnings,
        };
      } catch (error) {
        throw geminiError(error);
      }
    },
  };
}

/** Gemini's named output sizes; the catalog's resolution ids use the same names. */
const IMAGE_SIZES = new Set(['512', '1K', '2K', '4K']);

/**
 * The route's options, with the member's resolution as `imageConfig.imageSize`
 * (what the price tier was chosen by), unless the route fixes one itself.
 */
function googleOptions(request: GenerateRequest): Record<string, unknown> {
  const options: Record<string, unknown> = { ...request.providerOptions };
  const imageConfig = { ...(options.imageConfig as Record<string, unknown> | undefined) };
  if (imageConfig.imageSize === undefined && request.resolution && IMAGE_SIZES.has(request.resolution)) {
    imageConfig.imageSize = request.resolution;
  }
  if (Object.keys(imageConfig).length > 0) options.imageConfig = imageConfig;
  return options;
}

interface GoogleErrorBody {
  status?: string;
  details?: { '@type'?: string; reason?: string; retryDelay?: string }[];
}

function geminiError(error: unknown): ProviderError {
  const providerId = GEMINI_PROVIDER_ID;
  // A 200 without an image: a safety block (finishReason IMAGE_SAFETY, SAFETY,
  // PROHIBITED_CONTENT, or promptFeedback.blockReason).
  if (NoImageGeneratedError.isInstance(error)) {
    return new ProviderError('content_policy', {
      providerId,
      cause: error,
      detail: 'no image: blocked by safety',
    });
  }
  const mapped = toProviderError(error, { providerId });
  const body = googleErrorBody(error);
  const base = { providerId, cause: error, ...(mapped.status ? { status: mapped.status } : {}) };
  if (mapped.status === 400 && body?.details?.some((d) => d.reason === 'API_KEY_INVALID')) {
    return new ProviderError('auth', { ...base, detail: 'API_KEY_INVALID' });
  }
  if (mapped.status === 429) {
    const delay = body?.details?.find((d) => d['@type']?.endsWith('RetryInfo'))?.retryDelay;
    const seconds = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1] : undefined;
    return new ProviderError('rate_limited', {
      ...base,
      ...(seconds !== undefined ? { retryAfterMs: Math.ceil(Number(seconds) * 1000) } : {}),
    });
  }
  return mapped;
}

function googleErrorBody(error: unknown): GoogleErrorBody | undefined {
  const raw = (error as { responseBody?: unknown } | null)?.responseBody;
  if (typeof raw !== 'string') return undefined;
  try {
    const parsed = JSON.parse(raw) as { error?: GoogleErrorBody };
    return parsed.error;
  } catch {
    return undefined;
  }
}
