/**
 * ProviderError: the one error type every provider adapter throws, with a
 * closed set of codes (providers.md, "How to use this"). The generation job
 * decides what to do from the code alone: retry on the same route, move to
 * the next route of the model's fallback chain, or fail for good. Adapters
 * map their provider's wire errors onto these codes by HTTP status and
 * structured error fields, never by message text (house style 5).
 */

export const providerErrorCodes = [
  'auth',
  'quota',
  'rate_limited',
  'content_policy',
  'invalid_request',
  'model_unavailable',
  'timeout',
  'provider_error',
] as const;

export type ProviderErrorCode = (typeof providerErrorCodes)[number];

/**
 * What each code allows. `transient`: the same call may succeed if tried
 * again on the same route. `fallBack`: another provider of the model's chain
 * may serve the request.
 *
 * - auth and quota are the operator's problem with one provider (bad key, no
 *   credit): retrying cannot help, another provider can.
 * - model_unavailable (retired or unknown model) will not come back on retry,
 *   but another route of the same model may work.
 * - content_policy is never shopped around for a laxer moderator, and
 *   invalid_request means the request itself is wrong (the catalog validates
 *   sizes and counts before a job starts), so both end the generation.
 * - rate_limited, timeout and provider_error are retried, and fall back once
 *   the route's attempts are spent.
 */
const codePolicies: Record<ProviderErrorCode, { transient: boolean; fallBack: boolean }> = {
  auth: { transient: false, fallBack: true },
  quota: { transient: false, fallBack: true },
  rate_limited: { transient: true, fallBack: true },
  content_policy: { transient: false, fallBack: false },
  invalid_request: { transient: false, fallBack: false },
  model_unavailable: { transient: false, fallBack: true },
  timeout: { transient: true, fallBack: true },
  provider_error: { transient: true, fallBack: true },
};

export function isTransientCode(code: ProviderErrorCode): boolean {
  return codePolicies[code].transient;
}

export function canFallBackCode(code: ProviderErrorCode): boolean {
  return codePolicies[code].fallBack;
}

export interface ProviderErrorOptions {
  /** Developer-facing detail for logs; never shown to users as is. */
  detail?: string;
  /** With rate_limited: how long the provider asked us to wait. */
  retryAfterMs?: number;
  /** HTTP status the provider answered, when there was one. */
  status?: number;
  providerId?: string;
  cause?: unknown;
}

export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly code: ProviderErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  readonly providerId: string | undefined;

  constructor(code: ProviderErrorCode, options: ProviderErrorOptions = {}) {
    super(options.detail ?? code, { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
    this.providerId = options.providerId;
  }

  /** Worth another attempt on the same route (after a backoff). */
  get isTransient(): boolean {
    return isTransientCode(this.code);
  }

  /** Worth trying the next route of the model's fallback chain. */
  get canFallBack(): boolean {
    return canFallBackCode(this.code);
  }
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}

type HeaderSource = Headers | Readonly<Record<string, unknown>>;

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * The wait a response asks for, in ms: `retry-after-ms` first (OpenAI and
 * the AI SDK prefer it), then `retry-after` as seconds or as an HTTP date.
 * Undefined when absent or unreadable; a date in the past counts as 0.
 */
export function parseRetryAfterMs(headers: HeaderSource, now: number = Date.now()): number | undefined {
  const ms = readHeader(headers, 'retry-after-ms')?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const value = readHeader(headers, 'retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The default reading of an HTTP status. Adapters apply their provider's
 * table first for the cases a status cannot tell apart (OpenAI's
 * `insufficient_quota` is a 429, content-policy blocks are 400 or 422,
 * Gemini's bad key is a 400) and fall back to this for the rest.
 */
export function providerErrorFromStatus(
  status: number,
  options: Omit<ProviderErrorOptions, 'status' | 'retryAfterMs'> & { headers?: HeaderSource } = {},
): ProviderError {
  const { headers, ...rest } = options;
  const base = { ...rest, status };
  if (status === 401 || status === 403) return new ProviderError('auth', base);
  if (status === 402) return new ProviderError('quota', base);
  if (status === 404 || status === 410) return new ProviderError('model_unavailable', base);
  if (status === 408 || status === 504) return new ProviderError('timeout', base);
  if (status === 429) {
    const retryAfterMs = headers ? parseRetryAfterMs(headers) : undefined;
    return new ProviderError('rate_limited', { ...base, retryAfterMs });
  }
  // 409 is a conflict on the provider's side (the AI SDK retries it too).
  if (status === 409 || status >= 500) return new ProviderError('provider_error', base);
  if (status >= 400) return new ProviderError('invalid_request', base);
  // A 1xx-3xx surfacing as an error means a response we could not use.
  return new ProviderError('provider_error', base);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isHttpStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599;
}

/**
 * Turns anything an adapter or a library threw into a ProviderError, by
 * type and status only:
 * - a ProviderError is returned unchanged;
 * - an abort (`AbortError`, `TimeoutError`, as thrown by fetch and by
 *   AbortSignal.timeout) is a timeout: the caller's signal ended the call;
 * - the AI SDK's `AI_RetryError` is unwrapped to its `lastError`;
 * - an object with an HTTP `statusCode` (AI SDK `APICallError`) or `status`
 *   (fal's `ApiError`) is read by status, with its response headers;
 * - anything else (network failures, malformed bodies, bugs) is a
 *   provider_error, which is transient: a few wasted attempts cost less than
 *   failing a generation that a second try would have served.
 */
export function toProviderError(error: unknown, options: { providerId?: string } = {}): ProviderError {
  if (error instanceof ProviderError) return error;
  const { providerId } = options;
  if (isRecord(error)) {
    const name = error.name;
    if (name === 'AbortError' || name === 'TimeoutError') {
      return new ProviderError('timeout', { providerId, cause: error, detail: 'call aborted' });
    }
    if (name === 'AI_RetryError' && 'lastError' in error) {
      return toProviderError(error.lastError, options);
    }
    const status = isHttpStatus(error.statusCode) ? error.statusCode : error.status;
    if (isHttpStatus(status)) {
      const headerSource = error.responseHeaders ?? error.headers;
      const headers = headerSource instanceof Headers || isRecord(headerSource) ? headerSource : undefined;
      return providerErrorFromStatus(status, { providerId, cause: error, headers });
    }
  }
  return new ProviderError('provider_error', { providerId, cause: error });
}
