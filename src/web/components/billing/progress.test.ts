import { describe, expect, it } from 'vitest';
import type { BillingOrderView, BillingSubscriptionView, OrderStatusResponse } from '../../../shared/billing';
import { checkoutState, keepPolling, POLL_LIMIT_MS } from './progress';

function response(
  order: Partial<BillingOrderView>,
  subscription: Partial<BillingSubscriptionView> | null = null,
): OrderStatusResponse {
  return {
    order: {
      id: 'o1',
      kind: 'pack',
      itemId: 'pack-1k',
      status: 'open',
      credits: 1000,
      creditsClawedBack: 0,
      amount: 1000,
      currency: 'usd',
      createdAt: '2027-03-04T10:00:00Z',
      paidAt: null,
      receiptPath: null,
      ...order,
    },
    subscription: subscription && {
      id: 'sub_1',
      planId: 'pro-month',
      status: 'active',
      hasAccess: true,
      currentPeriodStart: null,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      endedAt: null,
      ...subscription,
    },
  };
}

describe('checkoutState', () => {
  it('waits until the order is known and open orders are settled', () => {
    expect(checkoutState(null, 0)).toBe('waiting');
    expect(checkoutState(response({ status: 'open' }), 5_000)).toBe('waiting');
  });

  it('is paid once a pack order is paid', () => {
    expect(checkoutState(response({ status: 'paid' }), 2_000)).toBe('paid');
  });

  it('is paid for a plan only once its subscription gives access', () => {
    const plan = { kind: 'plan' as const, itemId: 'pro-month', status: 'paid' as const };
    expect(checkoutState(response(plan), 2_000)).toBe('waiting');
    expect(checkoutState(response(plan, { status: 'incomplete', hasAccess: false }), 2_000)).toBe('waiting');
    expect(checkoutState(response(plan, { status: 'active', hasAccess: true }), 2_000)).toBe('paid');
    // The subscription's webhook may come before the order's.
    expect(checkoutState(response({ ...plan, status: 'open' }, { hasAccess: true }), 2_000)).toBe('paid');
  });

  it('shows a delayed payment as processing, even past the time limit', () => {
    expect(checkoutState(response({ status: 'processing' }), 1_000)).toBe('processing');
    expect(checkoutState(response({ status: 'processing' }), POLL_LIMIT_MS + 1)).toBe('processing');
  });

  it('shows failed and expired checkouts as failed', () => {
    expect(checkoutState(response({ status: 'failed' }), 0)).toBe('failed');
    expect(checkoutState(response({ status: 'expired' }), 0)).toBe('failed');
    expect(checkoutState(response({ kind: 'plan', status: 'failed' }, { hasAccess: false }), 0)).toBe(
      'failed',
    );
  });

  it('turns a long wait into "taking longer than usual"', () => {
    expect(checkoutState(null, POLL_LIMIT_MS - 1)).toBe('waiting');
    expect(checkoutState(null, POLL_LIMIT_MS)).toBe('slow');
    expect(checkoutState(response({ status: 'open' }), POLL_LIMIT_MS)).toBe('slow');
  });
});

describe('keepPolling', () => {
  it('polls while waiting or processing, within the time limit', () => {
    expect(keepPolling('waiting', 0)).toBe(true);
    expect(keepPolling('processing', 30_000)).toBe(true);
    expect(keepPolling('processing', POLL_LIMIT_MS)).toBe(false);
  });

  it('stops once the outcome is known or the wait is too long', () => {
    expect(keepPolling('paid', 0)).toBe(false);
    expect(keepPolling('failed', 0)).toBe(false);
    expect(keepPolling('slow', 0)).toBe(false);
  });
});
