/**
 * OpenAI Images (providers.md §4.1) through the AI SDK: `openai.image(id)`
 * with `generateImage`, which posts to `/images/generations`, or to
 * multipart `/images/edits` when reference images are given. The model id
 * comes from the catalog route. The SDK's own retries are off (the job
 * retries, with backoff and fallback, retry.ts); failures are mapped to
 * ProviderError by status and OpenAI's structured `error.type`/`error.code`,
 * never by message text.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { generateImage } from 'ai';
import { ignoredFields, sdkImages } from '../ai-sdk-images';
import { ProviderError } from '../errors';
import type { GenerateContext, GenerateRequest, GenerateResult, ImageProvider } from '../types';
import { openAiError } from './openai-errors';

export const OPENAI_PROVIDER_ID = 'openai';

export interface OpenAiProviderOptions {
  apiKey: string;
  /** Default https://api.openai.com/v1; a proxy, a gateway or a test fake otherwise. */
  baseUrl?: string;
  /** For tests: the fetch the SDK uses. */
  fetch?: typeof fetch;
}

/** OpenAI takes these sizes on every GPT image model; gpt-image-2 also takes custom ones. */
const FIXED_SIZES = new Set(['1024x1024', '1536x1024', '1024x1536']);

export function createOpenAiProvider(options: OpenAiProviderOptions): ImageProvider {
  const openai = createOpenAI({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return {
    id: OPENAI_PROVIDER_ID,
    async generate(request: GenerateRequest, context: GenerateContext): Promise<GenerateResult> {
      const warnings = ignoredFields(request, 'OpenAI', ['seed', 'negativePrompt']);
      const size = request.size ? `${request.size.width}x${request.size.height}` : undefined;
      if (size && !FIXED_SIZES.has(size) && !request.model.startsWith('gpt-image-2')) {
        throw new ProviderError('invalid_request', {
          providerId: OPENAI_PROVIDER_ID,
          detail: `size ${size} is not one of ${[...FIXED_SIZES].join(', ')} for ${request.model}`,
        });
      }
      const references = request.referenceImages ?? [];
      try {
        const result = await generateImage({
          model: openai.image(request.model),
          prompt:
            references.length > 0
              ? { text: request.prompt, images: references.map((image) => image.bytes) }
              : request.prompt,
          n: request.n,
          maxImagesPerCall: 10,
          ...(size ? { size: size as `${number}x${number}` } : {}),
          maxRetries: 0,
          abortSignal: context.signal,
          ...(request.providerOptions
            ? { providerOptions: { openai: request.providerOptions as Record<string, never> } }
            : {}),
        });
        const requestId = result.responses
          .map((response) => response.headers?.['x-request-id'])
          .find((id) => typeof id === 'string');
        return {
          images: sdkImages(result),
          warnings,
          ...(requestId ? { metadata: { requestId } } : {}),
        };
      } catch (error) {
        throw openAiError(error, OPENAI_PROVIDER_ID);
      }
    },
  };
}
