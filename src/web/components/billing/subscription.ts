/**
 * What the billing page says about the member's subscription and which
 * buttons it offers. Stripe's statuses are many; the member needs to know
 * whether they have the plan, until when, whether it renews, and whether a
 * payment is being retried.
 */
import type { BillingSubscriptionView } from '../../../shared/billing';

export type SubscriptionPhase =
  /** No subscription at all: the page points to the pricing page. */
  | 'none'
  /** The plan runs and renews at the end of the period. */
  | 'renewing'
  /** Cancelled at period end: the plan runs until then, then stops. */
  | 'ending'
  /** No access (cancelled, expired, unpaid, paused, first payment not made). */
  | 'inactive';

export interface SubscriptionSummary {
  phase: SubscriptionPhase;
  /** The date the phase refers to: renewal, end of access, or when it ended. */
  date: string | null;
  /** Stripe is retrying a failed renewal: the member should update their card. */
  pastDue: boolean;
  canCancel: boolean;
  canResume: boolean;
  /** Plan changes are offered while the plan runs and renews (resume first to change an ending plan). */
  canChange: boolean;
}

export function summarizeSubscription(subscription: BillingSubscriptionView | null): SubscriptionSummary {
  const none = { pastDue: false, canCancel: false, canResume: false, canChange: false };
  if (!subscription) return { phase: 'none', date: null, ...none };
  if (!subscription.hasAccess) {
    return { phase: 'inactive', date: subscription.endedAt, ...none };
  }
  const pastDue = subscription.status === 'past_due';
  if (subscription.cancelAtPeriodEnd) {
    return {
      phase: 'ending',
      date: subscription.currentPeriodEnd,
      pastDue,
      canCancel: false,
      canResume: true,
      canChange: false,
    };
  }
  return {
    phase: 'renewing',
    date: subscription.currentPeriodEnd,
    pastDue,
    canCancel: true,
    canResume: false,
    canChange: true,
  };
}
