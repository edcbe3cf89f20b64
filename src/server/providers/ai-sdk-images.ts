/**
 * What the adapters built on the AI SDK's `generateImage` share: warnings
 * for request fields a provider has no place for, and the SDK's images in
 * the shape of GeneratedImage.
 */
import type { GenerateImageResult } from 'ai';
import type { GeneratedImage, GenerateRequest } from './types';

/** One warning per field the request sets that `provider` ignores. */
export function ignoredFields(
  request: GenerateRequest,
  provider: string,
  fields: readonly ('seed' | 'negativePrompt')[],
): string[] {
  return fields
    .filter((field) => (field === 'seed' ? request.seed !== undefined : Boolean(request.negativePrompt)))
    .map((field) => `${field}: not supported by ${provider}, ignored`);
}

export function sdkImages(result: GenerateImageResult): GeneratedImage[] {
  return result.images.map((image) => ({ bytes: image.uint8Array, mediaType: image.mediaType }));
}
