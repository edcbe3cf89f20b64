import { describe, expect, it } from 'vitest';
import { creditAdjustmentInput } from '../../../server/admin/members';
import { MAX_CREDIT_AMOUNT } from '../../../server/credits/inputs';
import {
  adjustmentBody,
  adjustmentOutcome,
  dayStart,
  emptyAdjustment,
  MAX_ADJUSTMENT,
  type AdjustmentDraft,
} from './credit-adjustment';
import type { CreditAdjustmentResult } from './types';

const now = new Date('2030-05-10T12:00:00Z');
const draft = (change: Partial<AdjustmentDraft>): AdjustmentDraft => ({
  ...emptyAdjustment,
  amount: '25',
  reason: '  Goodwill  ',
  ...change,
});

function bodyOf(change: Partial<AdjustmentDraft>) {
  const built = adjustmentBody(draft(change), 'key-1', now);
  if (!('body' in built)) throw new Error(`problems: ${JSON.stringify(built.problems)}`);
  // Every body the form sends is one the server's schema accepts.
  expect(creditAdjustmentInput.safeParse(built.body).success).toBe(true);
  return built.body;
}

const problemsOf = (change: Partial<AdjustmentDraft>) => {
  const built = adjustmentBody(draft(change), 'key-1', now);
  return 'problems' in built ? built.problems : {};
};

describe('the request body', () => {
  it('grants a positive amount with the trimmed reason and the key', () => {
    expect(bodyOf({})).toEqual({ amount: 25, reason: 'Goodwill', idempotencyKey: 'key-1' });
  });

  it('sends a grant expiry as the start of the chosen day in UTC', () => {
    expect(bodyOf({ expiresOn: '2030-06-01' })).toMatchObject({ expiresAt: '2030-06-01T00:00:00.000Z' });
  });

  it('revokes a negative amount, with allowPartial and never an expiry', () => {
    expect(bodyOf({ action: 'revoke', expiresOn: '2030-06-01', allowPartial: true })).toEqual({
      amount: -25,
      reason: 'Goodwill',
      idempotencyKey: 'key-1',
      allowPartial: true,
    });
    expect(bodyOf({ action: 'revoke' })).toMatchObject({ allowPartial: false });
  });

  it('holds the server limit', () => {
    expect(MAX_ADJUSTMENT).toBe(MAX_CREDIT_AMOUNT);
    expect(bodyOf({ amount: String(MAX_ADJUSTMENT), action: 'revoke' })).toMatchObject({
      amount: -MAX_ADJUSTMENT,
    });
  });
});

describe('problems found before sending', () => {
  it('wants a whole number of credits from 1 up', () => {
    for (const amount of ['', '0', '-5', '2.5', 'ten', String(MAX_ADJUSTMENT + 1)]) {
      expect(problemsOf({ amount }), amount).toEqual({
        amount: { key: 'admin.check.wholeNumber', vars: { min: 1, max: MAX_ADJUSTMENT } },
      });
    }
  });

  it('wants a reason of at most 500 characters', () => {
    expect(problemsOf({ reason: '   ' })).toEqual({ reason: { key: 'admin.check.required' } });
    expect(problemsOf({ reason: 'x'.repeat(501) })).toEqual({
      reason: { key: 'admin.check.tooLong', vars: { max: 500 } },
    });
  });

  it('wants a grant expiry after now, and ignores it on a revoke', () => {
    for (const expiresOn of ['2030-05-10', '2020-01-01', '2030-02-30']) {
      expect(problemsOf({ expiresOn }), expiresOn).toEqual({
        expiresAt: { key: 'admin.members.adjust.expiresAtPast' },
      });
    }
    expect(problemsOf({ action: 'revoke', expiresOn: '2020-01-01' })).toEqual({});
  });
});

describe('dayStart', () => {
  it('reads real days only', () => {
    expect(dayStart('2030-12-31')?.toISOString()).toBe('2030-12-31T00:00:00.000Z');
    expect(dayStart('2030-13-01')).toBeUndefined();
    expect(dayStart('31.12.2030')).toBeUndefined();
  });
});

describe('the outcome line', () => {
  const result = (change: Partial<CreditAdjustmentResult>): CreditAdjustmentResult => ({
    kind: 'revoke',
    transactionId: 't',
    amount: -30,
    revoked: 30,
    unrecovered: 0,
    replayed: false,
    balance: { available: 12, held: 3 },
    ...change,
  });

  it('says what was granted and what is available now', () => {
    expect(adjustmentOutcome(result({ kind: 'grant', amount: 40, revoked: 0 }))).toEqual({
      key: 'admin.members.adjust.granted',
      vars: { amount: 40, available: 12 },
    });
  });

  it('says what was revoked, and for a partial revoke what was not recovered', () => {
    expect(adjustmentOutcome(result({}))).toEqual({
      key: 'admin.members.adjust.revoked',
      vars: { revoked: 30, available: 12 },
    });
    expect(
      adjustmentOutcome(result({ revoked: 20, unrecovered: 10, balance: { available: 0, held: 3 } })),
    ).toEqual({
      key: 'admin.members.adjust.partial',
      vars: { revoked: 20, amount: 30, unrecovered: 10, available: 0 },
    });
  });
});
