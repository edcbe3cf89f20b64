import { describe, expect, it } from 'vitest';
import type { BillingSubscriptionView } from '../../../shared/billing';
import { summarizeSubscription } from './subscription';

function subscription(overrides: Partial<BillingSubscriptionView>): BillingSubscriptionView {
  return {
    id: 'sub_1',
    planId: 'pro-month',
    status: 'active',
    hasAccess: true,
    currentPeriodStart: '2027-03-01T00:00:00.000Z',
    currentPeriodEnd: '2027-04-01T00:00:00.000Z',
    cancelAtPeriodEnd: false,
    endedAt: null,
    ...overrides,
  };
}

describe('summarizeSubscription', () => {
  it('points to pricing when there is no subscription', () => {
    expect(summarizeSubscription(null)).toEqual({
      phase: 'none',
      date: null,
      pastDue: false,
      canCancel: false,
      canResume: false,
      canChange: false,
    });
  });

  it('renews an active plan at the end of the period; it can be cancelled or changed', () => {
    expect(summarizeSubscription(subscription({}))).toEqual({
      phase: 'renewing',
      date: '2027-04-01T00:00:00.000Z',
      pastDue: false,
      canCancel: true,
      canResume: false,
      canChange: true,
    });
  });

  it('ends a plan cancelled at period end on that date; it can only be resumed', () => {
    expect(summarizeSubscription(subscription({ cancelAtPeriodEnd: true }))).toEqual({
      phase: 'ending',
      date: '2027-04-01T00:00:00.000Z',
      pastDue: false,
      canCancel: false,
      canResume: true,
      canChange: false,
    });
  });

  it('flags a renewal Stripe is retrying, while the plan still runs', () => {
    const summary = summarizeSubscription(subscription({ status: 'past_due' }));
    expect(summary.phase).toBe('renewing');
    expect(summary.pastDue).toBe(true);
    expect(summary.canCancel).toBe(true);
    expect(summarizeSubscription(subscription({ status: 'past_due', cancelAtPeriodEnd: true })).pastDue).toBe(
      true,
    );
  });

  it('offers nothing on a plan without access, dated by when it ended', () => {
    const ended = summarizeSubscription(
      subscription({ status: 'canceled', hasAccess: false, endedAt: '2027-04-01T00:00:00.000Z' }),
    );
    expect(ended).toEqual({
      phase: 'inactive',
      date: '2027-04-01T00:00:00.000Z',
      pastDue: false,
      canCancel: false,
      canResume: false,
      canChange: false,
    });
    expect(summarizeSubscription(subscription({ status: 'incomplete', hasAccess: false })).date).toBeNull();
  });
});
