/**
 * Replicate's error table (providers.md §4.2) mapped onto ProviderError.
 * Two places fail: the HTTP API, which answers RFC 7807 problem JSON
 * `{"title", "detail", "status"}` read by status, and the prediction itself,
 * which ends `failed` on HTTP 200 with an `error` string.
 *
 * A failed prediction carries no structured reason: only an `E####` code
 * inside the text, when there is one. The adapter reads that code first, and
 * recognises the safety checker by the two phrases Replicate's models are
 * known to use without a code ("NSFW", "flagged as sensitive"): the one place
 * the adapter looks at text, because the API offers nothing else, and the
 * cost of missing it is retrying a prompt that will be refused every time.
 */
import { ProviderError, parseRetryAfterMs, providerErrorFromStatus } from '../errors';
import type { ReplicatePrediction } from './replicate-prediction';

/** Which call failed: a missing model answers 404 on create, a missing prediction 404 on a poll. */
export type ReplicateCall = 'create' | 'poll';

interface ProblemBody {
  title?: string;
  detail?: string;
  /** Seconds, in a throttled answer's body (unconfirmed; the header comes first). */
  retryAfter?: number;
}

/* Enough of a problem body for a log line; the rest is the provider's prose. */
const DETAIL_LIMIT = 300;

function parseProblem(text: string): ProblemBody | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { title, detail, retry_after: retryAfter } = value as Record<string, unknown>;
    return {
      ...(typeof title === 'string' ? { title } : {}),
      ...(typeof detail === 'string' ? { detail } : {}),
      ...(typeof retryAfter === 'number' && retryAfter >= 0 ? { retryAfter } : {}),
    };
  } catch {
    return undefined;
  }
}

/*
 * The problem title Replicate gives a version that does not exist or was
 * deleted (a 422, not a 404). RFC 7807 titles name the problem type and do
 * not vary per occurrence, which is why reading it is not reading prose.
 */
const UNKNOWN_VERSION_TITLE = 'invalid version or not permitted';

/** The ProviderError for a non-2xx answer of Replicate's HTTP API. */
export function replicateHttpError(
  response: { status: number; headers: Headers },
  bodyText: string,
  call: ReplicateCall,
  providerId: string,
): ProviderError {
  const { status, headers } = response;
  const problem = parseProblem(bodyText);
  const detail = `Replicate ${status} on ${call}: ${problem?.title ?? ''} ${problem?.detail ?? ''}`
    .trim()
    .slice(0, DETAIL_LIMIT);
  const base = { providerId, status, detail };
  if (status === 404 && call === 'poll') return new ProviderError('provider_error', base);
  if (status === 422) {
    const unknownVersion = problem?.title?.toLowerCase() === UNKNOWN_VERSION_TITLE;
    return new ProviderError(unknownVersion ? 'model_unavailable' : 'invalid_request', base);
  }
  if (status === 429) {
    const fromHeader = parseRetryAfterMs(headers);
    const fromBody = problem?.retryAfter !== undefined ? Math.ceil(problem.retryAfter * 1000) : undefined;
    return new ProviderError('rate_limited', { ...base, retryAfterMs: fromHeader ?? fromBody });
  }
  return providerErrorFromStatus(status, { providerId, detail, headers });
}

/* Replicate's platform codes are E1000 and up; models add their own (E005: flagged as sensitive). */
const CONTENT_POLICY_CODES = new Set(['E005']);
const SAFETY_PHRASES = /\bNSFW\b|flagged as sensitive/i;

/** The `E####` code in a failure text, if any. */
export function failureCode(text: string | null): string | undefined {
  return text ? /\bE\d{3,4}\b/.exec(text)?.[0] : undefined;
}

function isSafetyRefusal(text: string | null): boolean {
  if (!text) return false;
  const code = failureCode(text);
  return (code !== undefined && CONTENT_POLICY_CODES.has(code)) || SAFETY_PHRASES.test(text);
}

/**
 * The ProviderError for a prediction that ended without output: `failed`
 * (content_policy when the safety checker refused it, provider_error for
 * everything else, as the model may well succeed next time), `canceled` or
 * `aborted` (provider_error: nothing about the request was wrong).
 */
export function predictionFailure(prediction: ReplicatePrediction, providerId: string): ProviderError {
  const text = prediction.error ?? (prediction.status === 'failed' ? lastLogLine(prediction.logs) : null);
  const code = failureCode(text);
  const detail = `prediction ${prediction.id} ${prediction.status}${code ? ` (${code})` : ''}: ${text ?? ''}`
    .trim()
    .slice(0, DETAIL_LIMIT);
  if (prediction.status === 'failed' && isSafetyRefusal(text)) {
    return new ProviderError('content_policy', { providerId, detail });
  }
  return new ProviderError('provider_error', { providerId, detail });
}

/* Without an `error`, the model's last log line is the best account of what went wrong. */
function lastLogLine(logs: string | null): string | null {
  const lines = logs?.trim().split('\n') ?? [];
  return lines.at(-1)?.trim() || null;
}
