/**
 * Any server that speaks OpenAI's `POST /images/generations` (self-hosted
 * image servers, gateways): a base URL, a key and the catalog's model id,
 * through the AI SDK's OpenAI-compatible provider, asking for
 * `response_format: b64_json` so the images come back in the response.
 * Reference images are not sent (such servers rarely have `/images/edits`);
 * they are reported as a warning, like a seed the protocol has no field for.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateImage } from 'ai';
import { ignoredFields, sdkImages } from '../ai-sdk-images';
import type { GenerateContext, GenerateRequest, GenerateResult, ImageProvider } from '../types';
import { openAiError } from './openai-errors';

export const OPENAI_COMPATIBLE_PROVIDER_ID = 'openai_compatible';

export interface OpenAiCompatibleProviderOptions {
  /** The server's API base, e.g. http://images.internal:8000/v1. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string;
  /** At most this many images per call (default 1); more are asked for in parallel calls. */
  maxImagesPerCall?: number;
}

export function createOpenAiCompatibleProvider(options: OpenAiCompatibleProviderOptions): ImageProvider {
  const server = createOpenAICompatible({
    name: OPENAI_COMPATIBLE_PROVIDER_ID,
    baseURL: options.baseUrl,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  return {
    id: OPENAI_COMPATIBLE_PROVIDER_ID,
    async generate(request: GenerateRequest, context: GenerateContext): Promise<GenerateResult> {
      const warnings = ignoredFields(request, 'the OpenAI images protocol', ['seed', 'negativePrompt']);
      if (request.referenceImages?.length)
        warnings.push('referenceImages: not sent to an OpenAI-compatible server');
      try {
        const result = await generateImage({
          model: server.imageModel(request.model),
          prompt: request.prompt,
          n: request.n,
          maxImagesPerCall: options.maxImagesPerCall ?? 1,
          ...(request.size ? { size: `${request.size.width}x${request.size.height}` as const } : {}),
          maxRetries: 0,
          abortSignal: context.signal,
          // Base64 unless the route says otherwise: a URL answer is downloaded only from the
          // server's own origin (providers.md §3.4), and private hosts are refused.
          providerOptions: {
            [OPENAI_COMPATIBLE_PROVIDER_ID]: {
              response_format: 'b64_json',
              ...(request.providerOptions as Record<string, never> | undefined),
            },
          },
        });
        return {
          images: sdkImages(result),
          warnings,
        };
      } catch (error) {
        throw openAiError(error, OPENAI_COMPATIBLE_PROVIDER_ID);
      }
    },
  };
}
