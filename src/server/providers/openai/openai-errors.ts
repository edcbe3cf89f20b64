/**
 * OpenAI's error table (providers.md §4.1), shared by the OpenAI adapter and
 * the OpenAI-compatible one (gateways and self-hosted servers answer in the
 * same shape, or fall through to the status reading): what a status alone
 * cannot tell apart is read from the structured `error.type`/`error.code`,
 * never from message text.
 */
import { ProviderError, toProviderError } from '../errors';

/** OpenAI's table (§4.1) first, for what a status alone cannot tell; the status reading after. */
export function openAiError(error: unknown, providerId: string): ProviderError {
  const mapped = toProviderError(error, { providerId });
  const body = errorBody(error);
  const base = {
    providerId,
    cause: error,
    ...(mapped.status ? { status: mapped.status } : {}),
  };
  if (mapped.status === 429 && (body?.code === 'insufficient_quota' || body?.type === 'insufficient_quota')) {
    return new ProviderError('quota', { ...base, detail: 'insufficient_quota' });
  }
  if (
    mapped.status === 400 &&
    (body?.code === 'moderation_blocked' ||
      body?.code === 'content_policy_violation' ||
      body?.type === 'image_generation_user_error')
  ) {
    return new ProviderError('content_policy', { ...base, detail: body.code ?? body.type ?? 'blocked' });
  }
  return mapped;
}

/** OpenAI's `{"error": {"type", "code"}}`, read from the raw response body the SDK keeps. */
function errorBody(error: unknown): { type?: string; code?: string } | undefined {
  const raw = (error as { responseBody?: unknown } | null)?.responseBody;
  if (typeof raw !== 'string') return undefined;
  try {
    const parsed = JSON.parse(raw) as { error?: { type?: unknown; code?: unknown } };
    const type = typeof parsed.error?.type === 'string' ? parsed.error.type : undefined;
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : undefined;
    return { ...(type ? { type } : {}), ...(code ? { code } : {}) };
  } catch {
    return undefined;
  }
}
