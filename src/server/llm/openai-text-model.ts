/**
 * OpenAI chat completions as a text model, through `@ai-sdk/openai`'s chat
 * model (`POST <base>/chat/completions`, the image provider's key and base
 * URL). Errors go through OpenAI's table (openai-errors.ts: quota and
 * content policy by `error.type`/`error.code`), plus the chat API's own
 * refusal: reasoning models answer a flagged prompt with 400
 * `invalid_prompt`.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { ProviderError } from '../providers/errors';
import { openAiError } from '../providers/openai/openai-errors';
import { sdkClientOptions, sdkTextModel } from './ai-sdk-text';
import type { TextModel, TextModelSettings } from './types';

/** `error.code` of OpenAI's error body, read from the raw body the SDK keeps. */
function errorCode(error: unknown): string | undefined {
  const raw = (error as { responseBody?: unknown } | null)?.responseBody;
  if (typeof raw !== 'string') return undefined;
  try {
    const code = (JSON.parse(raw) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

export function openAiTextError(error: unknown, providerId: string): ProviderError {
  const mapped = openAiError(error, providerId);
  if (mapped.status === 400 && errorCode(error) === 'invalid_prompt') {
    return new ProviderError('content_policy', {
      providerId,
      status: 400,
      cause: error,
      detail: 'invalid_prompt',
    });
  }
  return mapped;
}

export function createOpenAiTextModel(settings: TextModelSettings): TextModel {
  const openai = createOpenAI(sdkClientOptions(settings));
  return sdkTextModel(settings, {
    model: openai.chat(settings.model),
    mapError: (error) => openAiTextError(error, settings.providerId),
  });
}
