/**
 * One error type with a closed set of codes. Domain code throws AppError;
 * only the HTTP edge (src/server/http/errors.ts) turns it into a status and a
 * localized `{"error":{"code","message"}}` body. Classify by code, never by
 * message text.
 */
import type { MessageKey, MessageVars } from '../i18n';

export const errorCodes = {
  validation_failed: 400,
  invalid_json: 400,
  /** A checkout for a pack or plan the catalog does not sell. */
  unknown_item: 400,
  /** A webhook whose signature is missing, wrong or outside the time window. */
  invalid_signature: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  insufficient_credits: 402,
  forbidden: 403,
  csrf_rejected: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  email_taken: 409,
  idempotency_mismatch: 409,
  hold_resolved: 409,
  /** A plan checkout for a member who already has a subscription (change plans instead). */
  already_subscribed: 409,
  /** A body that must declare its size (an upload) came without Content-Length. */
  length_required: 411,
  payload_too_large: 413,
  /** An image over the pixel or side cap (docs/decisions/013-storage.md). */
  image_too_large: 413,
  unsupported_media_type: 415,
  /** Bytes that are not a PNG, JPEG or still WebP that decodes cleanly. */
  invalid_image: 422,
  /** A provider's moderation declined the text (prompt help, decision 017). */
  content_policy: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  /** An optional feature the operator has not set up (e.g. prompt help without a text model key). */
  not_configured: 503,
  /** A provider the member is waiting on did not answer in time. */
  upstream_timeout: 504,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface FieldError {
  /** Dotted path of the offending field, e.g. "email". */
  field: string;
  /** Message key of the problem, localized at the edge. */
  message: MessageKey;
  vars?: MessageVars;
}

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly fields: FieldError[] | undefined;
  /** Seconds a client should wait, sent as Retry-After with rate_limited. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    options: {
      detail?: string;
      fields?: FieldError[];
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(options.detail ?? code, { cause: options.cause });
    this.code = code;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get status(): (typeof errorCodes)[ErrorCode] {
    return errorCodes[this.code];
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
