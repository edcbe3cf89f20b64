/**
 * OpenRouter chat completions as a text model, through
 * `@openrouter/ai-sdk-provider`'s chat model (`POST <base>/chat/completions`
 * with text output only, the image provider's key and base URL). Errors go
 * through OpenRouter's table (openrouter-errors.ts): 403 is a moderation
 * block, and an error that arrives inside an HTTP 200 is read by its
 * `error.code`.
 */
import { createOpenRouter } from '@openrouter/ai-sdk-provider';
import { openRouterError } from '../providers/openrouter/openrouter-errors';
import { sdkClientOptions, sdkTextModel } from './ai-sdk-text';
import type { TextModel, TextModelSettings } from './types';

export function createOpenRouterTextModel(settings: TextModelSettings): TextModel {
  const openrouter = createOpenRouter({
    ...sdkClientOptions(settings),
    ...(settings.appUrl ? { appUrl: settings.appUrl } : {}),
  });
  return sdkTextModel(settings, {
    model: openrouter.chat(settings.model),
    mapError: (error) => openRouterError(error, settings.providerId),
  });
}
