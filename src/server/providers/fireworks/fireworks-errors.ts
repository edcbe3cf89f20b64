/**
 * Fireworks' error table (providers.md §4.4), for both of the adapter's
 * paths: the AI SDK's FLUX.1 calls and the native Kontext client. The SDK
 * handles Fireworks errors by status only (its message is the HTTP reason
 * phrase and `data` stays empty), so the raw `responseBody` is read here for
 * the structured fields, which go into the detail for logs. Classification
 * is by status: Fireworks documents 402 (no paid plan or usage limits
 * exceeded) and 412 (account suspended) as billing states, both `quota`.
 * Never by message text (house style 5).
 */
import { ProviderError, providerErrorFromStatus, toProviderError } from '../errors';

export const FIREWORKS_PROVIDER_ID = 'fireworks';

/** The structured part of `{"error": {"object", "type", "code", "message"}}`; empty for `{"error": "…"}`. */
export interface FireworksErrorFields {
  type?: string;
  code?: string;
}

export function readErrorFields(raw: string | undefined): FireworksErrorFields {
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as { error?: unknown };
    const error = parsed.error;
    if (typeof error !== 'object' || error === null) return {};
    const { type, code } = error as { type?: unknown; code?: unknown };
    return {
      ...(typeof type === 'string' ? { type } : {}),
      ...(typeof code === 'string' ? { code } : {}),
    };
  } catch {
    return {};
  }
}

/** A non-2xx answer from Fireworks as a ProviderError. */
export function fireworksHttpError(
  status: number,
  headers: Headers | Readonly<Record<string, unknown>>,
  body: string | undefined,
  cause?: unknown,
): ProviderError {
  const fields = readErrorFields(body);
  const named = [fields.type, fields.code].filter(Boolean).join('/');
  const detail = `Fireworks answered ${status}${named ? ` ${named}` : ''}`;
  const base = { providerId: FIREWORKS_PROVIDER_ID, detail, cause };
  // 412 Precondition Failed: the account is suspended (spending limit, unpaid invoice).
  if (status === 412) return new ProviderError('quota', { ...base, status });
  return providerErrorFromStatus(status, { ...base, headers });
}

interface SdkCallError {
  statusCode: number;
  responseHeaders?: Record<string, string>;
  responseBody?: string;
}

function isSdkCallError(error: unknown): error is SdkCallError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { statusCode?: unknown }).statusCode === 'number'
  );
}

/**
 * Anything either path threw, as a ProviderError: an AI SDK `APICallError`
 * by its status and raw body (a 2xx there is a body the SDK could not use),
 * an abort as a timeout, the rest through toProviderError.
 */
export function fireworksError(error: unknown, signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  if (signal?.aborted) {
    return new ProviderError('timeout', {
      providerId: FIREWORKS_PROVIDER_ID,
      detail: 'call aborted',
      cause: error,
    });
  }
  if (isSdkCallError(error) && error.statusCode >= 400) {
    return fireworksHttpError(error.statusCode, error.responseHeaders ?? {}, error.responseBody, error);
  }
  return toProviderError(error, { providerId: FIREWORKS_PROVIDER_ID });
}

/** A 2xx whose body the adapter cannot use: malformed, wrong shape, or not an image. */
export function unusableAnswer(detail: string, cause?: unknown): ProviderError {
  return new ProviderError('provider_error', { providerId: FIREWORKS_PROVIDER_ID, detail, cause });
}
