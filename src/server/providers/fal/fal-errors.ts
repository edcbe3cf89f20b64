/**
 * fal's error table (providers.md §4.3, "Errors"), read from structure only:
 * the HTTP status, the `detail` array's typed entries (model errors:
 * validation, content checks) and `error_type` / `X-Fal-Error-Type`
 * (request errors: timeouts, runner failures). A 422 is invalid_request
 * unless one of its entries has type `content_policy_violation`; a 504 or
 * a timeout error type is a timeout; the rest is the common status reading
 * (401/403 auth, 404 model_unavailable, 429 rate_limited with Retry-After,
 * 5xx provider_error). fal's exhausted-balance lock is a 403 whose only
 * marker is its text, so it reads as auth, which the job treats the same
 * way as quota (no retry, fall back).
 */
import { ProviderError, providerErrorFromStatus } from '../errors';

/* §4.3: a 504 with one of these types is fal giving up on time; runner failures (503) are provider errors. */
const TIMEOUT_TYPES = new Set(['request_timeout', 'startup_timeout']);

interface FalErrorBody {
  /** Model errors: typed entries; request errors and the gateway: a sentence. */
  detail?: unknown;
  error_type?: unknown;
}

function parseBody(text: string): FalErrorBody | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The `type` of each entry of a `detail` array (none for a string detail). */
function detailTypes(body: FalErrorBody | undefined): string[] {
  if (!Array.isArray(body?.detail)) return [];
  return body.detail.flatMap((entry: unknown) => {
    const type = (entry as { type?: unknown } | null)?.type;
    return typeof type === 'string' ? [type] : [];
  });
}

/** A short developer-facing summary for logs: status, then the structured type, never the user's input. */
function summary(status: number, body: FalErrorBody | undefined, errorType: string | undefined): string {
  const types = detailTypes(body);
  if (types.length > 0) return `fal ${status}: ${types.join(', ')}`;
  if (errorType) return `fal ${status}: ${errorType}`;
  const detail = typeof body?.detail === 'string' ? body.detail.slice(0, 200) : undefined;
  return detail ? `fal ${status}: ${detail}` : `fal ${status}`;
}

/** Maps a fal error answer (status, headers and raw body) onto a ProviderError. */
export function falHttpError(
  status: number,
  headers: Headers,
  text: string,
  providerId: string,
): ProviderError {
  const body = parseBody(text);
  const errorType =
    headers.get('x-fal-error-type') ?? (typeof body?.error_type === 'string' ? body.error_type : undefined);
  const base = { providerId, status, detail: summary(status, body, errorType) };
  if (status === 422) {
    const code = detailTypes(body).includes('content_policy_violation')
      ? 'content_policy'
      : 'invalid_request';
    return new ProviderError(code, base);
  }
  if (status === 504 || (errorType !== undefined && TIMEOUT_TYPES.has(errorType))) {
    return new ProviderError('timeout', base);
  }
  return providerErrorFromStatus(status, { ...base, headers });
}

/** Reads a non-2xx response (its body too) and maps it. */
export async function falResponseError(response: Response, providerId: string): Promise<ProviderError> {
  const text = await response.text().catch(() => '');
  return falHttpError(response.status, response.headers, text, providerId);
}
