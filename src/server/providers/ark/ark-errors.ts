/**
 * Ark's error table (providers.md §4.8; ModelArk "Common error codes"):
 * every failure comes as `{"error": {"code", "message", "param", "type"}}`,
 * and the status alone cannot tell a rate limit from a spent quota (both
 * 429) or a bad field from a filtered prompt (both 400). So the structured
 * `code` decides first, by its family (codes grow suffixes such as
 * `RateLimitExceeded.EndpointRPMExceeded`), and the status reading of
 * errors.ts covers codes we do not know. Message text is never read.
 */
import { parseRetryAfterMs, ProviderError, providerErrorFromStatus, type ProviderErrorCode } from '../errors';

export interface ArkErrorBody {
  code?: string;
  message?: string;
  param?: string;
  type?: string;
}

/** Ark code families, matched on the part before the first dot. */
const CODE_FAMILIES: Readonly<Record<string, ProviderErrorCode>> = {
  AuthenticationError: 'auth',
  AccessDenied: 'auth',
  InvalidAccountStatus: 'auth',
  AccountOverdueError: 'quota',
  QuotaExceeded: 'quota',
  SetLimitExceeded: 'quota',
  ServerOverloaded: 'rate_limited',
  RequestBurstTooFast: 'rate_limited',
  InflightBatchsizeExceeded: 'rate_limited',
  InvalidEndpointOrModel: 'model_unavailable',
  InvalidEndpoint: 'model_unavailable',
  ModelNotOpen: 'model_unavailable',
  MissingParameter: 'invalid_request',
  InvalidParameter: 'invalid_request',
  InternalServiceError: 'provider_error',
};

/** The category of an Ark error code, or undefined for a code this table does not know. */
export function arkCodeCategory(code: string): ProviderErrorCode | undefined {
  // Every filter verdict: Input/Output Text/Image SensitiveContentDetected, plain or with a suffix.
  if (/^(Input|Output)?(Text|Image)?SensitiveContentDetected(\.|$)/.test(code)) return 'content_policy';
  // OperationDenied.ServiceOverdue is unpaid bills; OperationDenied.ServiceNotOpen a model not activated.
  if (code === 'OperationDenied.ServiceOverdue') return 'quota';
  if (code === 'OperationDenied.ServiceNotOpen') return 'model_unavailable';
  // RateLimitExceeded.*, and the account-wide ModelAccountRpmRateLimitExceeded, AccountRateLimitExceeded, …
  if (/RateLimitExceeded/.test(code)) return 'rate_limited';
  const family = code.split('.')[0] ?? code;
  return CODE_FAMILIES[family];
}

/** Ark's `error` object from a raw body, if the body is one. */
export function readArkErrorBody(text: string): ArkErrorBody | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    const error = parsed.error;
    if (typeof error !== 'object' || error === null) return undefined;
    const field = (name: string) => {
      const value = (error as Record<string, unknown>)[name];
      return typeof value === 'string' ? value : undefined;
    };
    return { code: field('code'), message: field('message'), param: field('param'), type: field('type') };
  } catch {
    return undefined;
  }
}

/** A non-2xx answer from Ark as a ProviderError: its code first, then its status. */
export function arkHttpError(
  status: number,
  headers: Headers,
  bodyText: string,
  providerId: string,
): ProviderError {
  const body = readArkErrorBody(bodyText);
  const detail = body?.code ? `${status} ${body.code}: ${body.message ?? ''}`.trim() : `HTTP ${status}`;
  const category = body?.code ? arkCodeCategory(body.code) : undefined;
  if (!category) return providerErrorFromStatus(status, { providerId, headers, detail });
  const retryAfterMs = category === 'rate_limited' ? parseRetryAfterMs(headers) : undefined;
  return new ProviderError(category, { providerId, status, detail, retryAfterMs });
}
