/**
 * Checks on the inputs of ledger operations. They are called by server code
 * (routes validate request bodies first), so a failure here is a caller's
 * mistake reported as `validation_failed` with the offending field.
 */
import type { MessageKey } from '../../i18n';
import { AppError } from '../errors';

/**
 * Largest amount one operation may move. Balances are `integer` columns
 * (up to 2,147,483,647); a billion per operation leaves room for a few
 * large grants on one account before PostgreSQL refuses the sum.
 */
export const MAX_CREDIT_AMOUNT = 1_000_000_000;

/** Idempotency keys are derived strings like `gen:<uuid>:settle`; 200 characters is plenty and bounds the index. */
const MAX_KEY_LENGTH = 200;

export function invalid(
  field: string,
  detail: string,
  message: MessageKey = 'validation.invalidValue',
): AppError {
  return new AppError('validation_failed', { detail, fields: [{ field, message }] });
}

export function requireAmount(field: string, value: number, max = MAX_CREDIT_AMOUNT): void {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw invalid(field, `${field} must be an integer from 1 to ${max}, got ${value}`);
  }
}

export function requireKey(value: string): void {
  if (value.length === 0 || value.length > MAX_KEY_LENGTH) {
    throw invalid('idempotencyKey', `idempotency key must have 1 to ${MAX_KEY_LENGTH} characters`);
  }
}

export function requireText(field: string, value: string, max = 500): void {
  if (value.trim().length === 0 || value.length > max) {
    throw invalid(field, `${field} must have 1 to ${max} characters`);
  }
}

export function requireFuture(field: string, value: Date, now: Date): void {
  if (Number.isNaN(value.getTime()) || value.getTime() <= now.getTime()) {
    throw invalid(field, `${field} must be later than the operation time`);
  }
}
