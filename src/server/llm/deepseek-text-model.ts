/**
 * DeepSeek chat completions (providers.md §4.7) as a text model, through
 * `@ai-sdk/deepseek`: `POST <base>/chat/completions` with Bearer auth.
 * Thinking is switched off: V4-family models think by default, which makes
 * a one-paragraph rewrite several times slower and pays for reasoning
 * tokens nobody reads. DeepSeek's error table is the plain status reading
 * (401 auth, 402 quota, 429 rate_limited, 400/422 invalid_request, 404 a
 * retired model, 500/503 provider_error), so toProviderError maps it.
 */
import { createDeepSeek } from '@ai-sdk/deepseek';
import { toProviderError } from '../providers/errors';
import { sdkClientOptions, sdkTextModel } from './ai-sdk-text';
import type { TextModel, TextModelSettings } from './types';

export const DEEPSEEK_PROVIDER_ID = 'deepseek';
export const DEEPSEEK_DEFAULT_BASE_URL = 'https://api.deepseek.com';

export function createDeepSeekTextModel(settings: TextModelSettings): TextModel {
  const deepseek = createDeepSeek(sdkClientOptions(settings));
  return sdkTextModel(settings, {
    model: deepseek.chat(settings.model),
    providerOptions: { deepseek: { thinking: { type: 'disabled' } } },
    mapError: (error) => toProviderError(error, { providerId: settings.providerId }),
  });
}
