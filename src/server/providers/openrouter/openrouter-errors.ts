/**
 * OpenRouter's error table (providers.md §4.6) as ProviderError codes. The
 * body is `{"error": {"code": <HTTP status>, "message", "metadata"?}}`, and
 * the status is read the usual way, with two OpenRouter rules on top:
 * - 403 is a moderation or guardrail block (`metadata.reasons`), not a key
 *   problem, so it is content_policy;
 * - an error after generation began arrives as HTTP 200 with the `error`
 *   object, so its `error.code` stands in for the status.
 * Never read from message text.
 */
import { ProviderError, providerErrorFromStatus, toProviderError, type ProviderErrorCode } from '../errors';

interface OpenRouterErrorBody {
  code?: number;
  reasons?: string[];
}

type Json = Record<string, unknown>;
const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/** The code for an OpenRouter status (or in-body `error.code`). */
function codeForStatus(status: number): ProviderErrorCode {
  if (status === 403) return 'content_policy';
  return providerErrorFromStatus(status).code;
}

export function openRouterError(error: unknown, providerId: string): ProviderError {
  if (error instanceof ProviderError) return error; // the adapter's own verdict
  if (
    isJson(error) &&
    (error.name === 'AI_NoContentGeneratedError' || error.name === 'AI_NoImageGeneratedError')
  ) {
    // A 200 answer without an image: OpenRouter's "no content generated" (a cold or scaling
    // upstream), worth another try.
    return new ProviderError('provider_error', {
      providerId,
      cause: error,
      status: 200,
      detail: 'no image in the answer',
    });
  }
  const mapped = toProviderError(error, { providerId });
  if (mapped.status === undefined) return mapped; // aborts, network failures, malformed answers
  const body = errorBody(error);
  const inBodyCode = mapped.status >= 200 && mapped.status < 300 ? body?.code : undefined;
  const code = codeForStatus(inBodyCode ?? mapped.status);
  if (code === mapped.code && inBodyCode === undefined) return mapped; // keeps retryAfterMs from Retry-After
  const reasons = body?.reasons?.length ? `: ${body.reasons.join(', ')}` : '';
  const where =
    inBodyCode === undefined ? `HTTP ${mapped.status}` : `error ${inBodyCode} in a ${mapped.status} answer`;
  return new ProviderError(code, {
    providerId,
    cause: error,
    status: mapped.status,
    detail: `${where}${reasons}`,
  });
}

/** The `error` object of a whole body, or the object itself when it already is one. */
function innerError(value: unknown): Json | undefined {
  if (!isJson(value)) return undefined;
  if (isJson(value.error)) return value.error;
  return 'code' in value && 'message' in value ? value : undefined;
}

/**
 * `error.code` and `error.metadata.reasons`. The SDK keeps the parsed error
 * in `data` (the whole body for a non-2xx, only the `error` object for chat's
 * HTTP 200 with an error) and the raw body in `responseBody` (which is all
 * there is when a 200 did not match the images schema).
 */
function errorBody(error: unknown): OpenRouterErrorBody | undefined {
  const source = isJson(error) ? error : {};
  let inner = innerError(source.data);
  if (!inner && typeof source.responseBody === 'string') {
    try {
      inner = innerError(JSON.parse(source.responseBody));
    } catch {
      return undefined;
    }
  }
  if (!inner) return undefined;
  const code = inner.code;
  const reasons = isJson(inner.metadata) ? inner.metadata.reasons : undefined;
  return {
    ...(typeof code === 'number' && Number.isInteger(code) && code >= 100 && code <= 599 ? { code } : {}),
    ...(Array.isArray(reasons) ? { reasons: reasons.filter((r): r is string => typeof r === 'string') } : {}),
  };
}
