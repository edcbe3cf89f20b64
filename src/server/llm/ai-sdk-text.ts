/**
 * What every text adapter shares: the SDK client's options (key, base URL,
 * test fetch), the TextModel around one SDK chat model, and the one
 * `generateText` call they all make. No SDK retries (a member is waiting;
 * one attempt, then a clear error), the caller's signal, and the answer
 * checked the same way for every provider: a stop on the content filter is
 * content_policy, an empty answer is provider_error. Errors are mapped by
 * the adapter's own function (status and structured fields, never message
 * text).
 */
import { generateText, type LanguageModel } from 'ai';
import { ProviderError } from '../providers/errors';
import type { CompleteRequest, CompleteResult, TextModel, TextModelSettings } from './types';

type SdkProviderOptions = NonNullable<Parameters<typeof generateText>[0]['providerOptions']>;

export interface SdkCompletion {
  providerId: string;
  model: LanguageModel;
  request: CompleteRequest;
  /** `providerOptions` for generateText, e.g. DeepSeek's `thinking`. */
  providerOptions?: SdkProviderOptions;
  mapError(error: unknown): ProviderError;
}

/** The options every provider's SDK factory takes alike; the SDK's own base URL when none is set. */
export function sdkClientOptions(settings: TextModelSettings): {
  apiKey: string;
  baseURL?: string;
  fetch?: typeof fetch;
} {
  return {
    apiKey: settings.apiKey,
    ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}),
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
  };
}

/** A TextModel answering through one SDK chat model, with the adapter's error mapping. */
export function sdkTextModel(
  settings: TextModelSettings,
  options: Pick<SdkCompletion, 'model' | 'providerOptions' | 'mapError'>,
): TextModel {
  return {
    providerId: settings.providerId,
    model: settings.model,
    complete: (request) => completeWithSdk({ ...options, providerId: settings.providerId, request }),
  };
}

/** Default answer budget: a long image prompt is ~300 tokens; reasoning models spend some before it. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 2048;

export async function completeWithSdk(options: SdkCompletion): Promise<CompleteResult> {
  const { providerId, request } = options;
  let result;
  try {
    result = await generateText({
      model: options.model,
      system: request.system,
      prompt: request.user,
      maxOutputTokens: request.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
      maxRetries: 0,
      abortSignal: request.signal,
      ...(options.providerOptions ? { providerOptions: options.providerOptions } : {}),
    });
  } catch (error) {
    throw options.mapError(error);
  }
  if (result.finishReason === 'content-filter') {
    throw new ProviderError('content_policy', {
      providerId,
      status: 200,
      detail: `the answer stopped on the content filter (${result.rawFinishReason ?? 'content-filter'})`,
    });
  }
  const text = result.text.trim();
  if (text === '') {
    throw new ProviderError('provider_error', {
      providerId,
      status: 200,
      detail: `an empty answer (finish reason ${result.rawFinishReason ?? result.finishReason})`,
    });
  }
  return {
    text,
    truncated: result.finishReason === 'length',
    ...(result.response.id ? { requestId: result.response.id } : {}),
    ...(result.usage.inputTokens !== undefined ? { inputTokens: result.usage.inputTokens } : {}),
    ...(result.usage.outputTokens !== undefined ? { outputTokens: result.usage.outputTokens } : {}),
  };
}
