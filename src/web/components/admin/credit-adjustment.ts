/**
 * The members page's grant/revoke form as pure functions: the draft the
 * inputs edit, the request body it becomes (a revoke is a negative amount;
 * the expiry applies to grants, allow-partial to revokes), the problems
 * found before sending, and the outcome line. The limits repeat the
 * server's (src/server/admin/routes.ts); a unit test holds built bodies to
 * them.
 */
import type { MessageKey, MessageVars } from '../../../i18n';
import type { Problems } from './model-draft';
import type { CreditAdjustmentBody, CreditAdjustmentResult } from './types';

/** MAX_CREDIT_AMOUNT of the ledger (src/server/credits/inputs.ts). */
export const MAX_ADJUSTMENT = 1_000_000_000;
export const MAX_REASON_LENGTH = 500;

export interface AdjustmentDraft {
  action: 'grant' | 'revoke';
  /** Credits as typed: a whole number, always positive; the action gives the sign. */
  amount: string;
  reason: string;
  /** Grants: a day as `YYYY-MM-DD` (a date input's value), or empty for no expiry. */
  expiresOn: string;
  /** Revokes: take what is available instead of refusing. */
  allowPartial: boolean;
}

export const emptyAdjustment: AdjustmentDraft = {
  action: 'grant',
  amount: '',
  reason: '',
  expiresOn: '',
  allowPartial: false,
};

/** A whole number of credits from 1 to the limit (ten digits: the limit has ten). */
function parseCredits(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return value >= 1 && value <= MAX_ADJUSTMENT ? value : undefined;
}

/** The start of a `YYYY-MM-DD` day in UTC, or undefined when it is not a real day. */
export function dayStart(day: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day ? undefined : date;
}

/**
 * The body to send with `idempotencyKey`, or the problems that keep it
 * from being sent (by the API's field names, so server errors land on the
 * same fields).
 */
export function adjustmentBody(
  draft: AdjustmentDraft,
  idempotencyKey: string,
  now: Date,
): { body: CreditAdjustmentBody } | { problems: Problems } {
  const problems: Problems = {};
  const amount = parseCredits(draft.amount);
  if (amount === undefined) {
    problems.amount = { key: 'admin.check.wholeNumber', vars: { min: 1, max: MAX_ADJUSTMENT } };
  }
  const reason = draft.reason.trim();
  if (reason.length === 0) problems.reason = { key: 'admin.check.required' };
  else if (reason.length > MAX_REASON_LENGTH) {
    problems.reason = { key: 'admin.check.tooLong', vars: { max: MAX_REASON_LENGTH } };
  }
  let expiresAt: Date | undefined;
  if (draft.action === 'grant' && draft.expiresOn !== '') {
    expiresAt = dayStart(draft.expiresOn);
    if (!expiresAt || expiresAt.getTime() <= now.getTime()) {
      problems.expiresAt = { key: 'admin.members.adjust.expiresAtPast' };
    }
  }
  if (Object.keys(problems).length > 0 || amount === undefined) return { problems };
  return {
    body:
      draft.action === 'grant'
        ? { amount, reason, idempotencyKey, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) }
        : { amount: -amount, reason, idempotencyKey, allowPartial: draft.allowPartial },
  };
}

/** The success line: granted, revoked, or revoked in part with what could not be recovered. */
export function adjustmentOutcome(result: CreditAdjustmentResult): { key: MessageKey; vars: MessageVars } {
  const available = result.balance.available;
  if (result.kind === 'grant') {
    return { key: 'admin.members.adjust.granted', vars: { amount: result.amount, available } };
  }
  if (result.unrecovered > 0) {
    return {
      key: 'admin.members.adjust.partial',
      vars: { revoked: result.revoked, amount: -result.amount, unrecovered: result.unrecovered, available },
    };
  }
  return { key: 'admin.members.adjust.revoked', vars: { revoked: result.revoked, available } };
}
