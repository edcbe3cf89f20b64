/**
 * The HTTP edge of AppError: status, Retry-After, and a body
 * `{"error":{"code","message","fields"?}}` whose messages are in the
 * request's language.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import type { MessageKey } from '../../i18n';
import { translate } from '../../i18n/server';
import { AppError, type FieldError } from '../errors';
import type { AppEnv } from './context';

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    fields?: { field: string; message: string }[];
  };
}

export function errorBody(error: AppError, locale: string): ErrorBody {
  const body: ErrorBody = {
    error: { code: error.code, message: translate(locale, `error.${error.code}` as MessageKey) },
  };
  if (error.fields?.length) {
    body.error.fields = error.fields.map((f) => ({
      field: f.field,
      message: translate(locale, f.message, f.vars),
    }));
  }
  return body;
}

export function errorResponse(c: Context<AppEnv>, error: AppError): Response {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (error.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  }
  return c.json(errorBody(error, c.get('info')?.locale ?? 'en'), error.status, headers);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Maps zod issues to field errors with message keys (localized later). `input` tells missing from mistyped. */
export function fieldErrorsFromZod(error: z.ZodError, input?: unknown): FieldError[] {
  return error.issues.map((issue): FieldError => {
    const field = issue.path.join('.') || '(body)';
    switch (issue.code) {
      case 'invalid_type':
        return valueAt(input, issue.path) === undefined
          ? { field, message: 'validation.required' }
          : { field, message: 'validation.invalidType' };
      case 'too_small':
        if (issue.origin === 'number' || issue.origin === 'int') {
          return { field, message: 'validation.numberTooSmall', vars: { min: Number(issue.minimum) } };
        }
        return issue.origin === 'string' && Number(issue.minimum) <= 1
          ? { field, message: 'validation.required' }
          : { field, message: 'validation.tooShort', vars: { min: Number(issue.minimum) } };
      case 'too_big':
        if (issue.origin === 'number' || issue.origin === 'int') {
          return { field, message: 'validation.numberTooLarge', vars: { max: Number(issue.maximum) } };
        }
        return { field, message: 'validation.tooLong', vars: { max: Number(issue.maximum) } };
      case 'invalid_format':
        return issue.format === 'email'
          ? { field, message: 'validation.email' }
          : { field, message: 'validation.invalidFormat' };
      case 'unrecognized_keys': {
        // Inside a nested object (`columns.0`), the key is named with its path.
        const at = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
        return { field: issue.keys.map((key) => at + key).join(','), message: 'validation.unknownField' };
      }
      case 'invalid_value':
        return { field, message: 'validation.invalidValue' };
      default:
        return { field, message: 'validation.invalidValue' };
    }
  });
}

/** Parses a JSON body against a schema; bad JSON and bad fields become localized 400s. */
export async function parseJsonBody<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.infer<T>> {
  const contentType = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(contentType)) throw new AppError('unsupported_media_type');
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw new AppError('invalid_json', { cause });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('validation_failed', { fields: fieldErrorsFromZod(parsed.error, raw) });
  }
  return parsed.data;
}

/** The Idempotency-Key header when sent; an empty one or one over 200 characters is a 400 naming it. */
export function idempotencyKeyHeader(c: Context<AppEnv>): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key !== undefined && (key.length === 0 || key.length > 200)) {
    throw new AppError('validation_failed', {
      fields: [{ field: 'Idempotency-Key', message: 'validation.invalidValue' }],
    });
  }
  return key;
}
