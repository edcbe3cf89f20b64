/**
 * Applies one stored Stripe event, exactly once (issue 5 part 3, decision
 * 020). The job runs in two steps:
 *
 * 1. Outside any transaction, what Stripe's API must tell us: for events
 *    about a subscription (its own events and its invoices), the
 *    subscription as it is now. A failure here throws, and pg-boss retries.
 * 2. One transaction locks the inbox row, returns at once if the row is no
 *    longer `received` (another job applied it), applies the effect and
 *    records the outcome on the row. The effects are keyed (a grant per
 *    session or invoice, a claw-back per refund or dispute) so even a
 *    second application would find them done.
 *
 * Events for an unknown customer, price or session are `flagged`: stored,
 * no balance touched, listed for the admin.
 */
import { and, eq } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type Stripe from 'stripe';
import type { Db } from '../db/client';
import { stripeEvents } from '../db/schema';
import { applyChargeRefunded, applyDisputeCreated } from './clawback';
import { findUserByCustomer } from './customers';
import type { BillingDeps } from './deps';
import { applyInvoiceFailed, applyInvoicePaid } from './invoices';
import { applied, flagged, idOf, ignored, type ApplyOutcome } from './outcome';
import { applyCheckoutSession, isCheckoutEvent } from './packs';
import { isHandledEventType } from './event-types';
import { enqueueStripeEvent } from './queue';
import { subscriptionIdOf, syncSubscription } from './subscriptions';

/**
 * Puts the events that wait for this payment (a refund or dispute seen
 * before its purchase was credited) back in line, in the credit's own
 * transaction. The payment's advisory lock, taken by both sides, makes sure
 * every such event committed before this statement runs.
 */
async function requeueDeferred(
  tx: Db,
  boss: PgBoss,
  paymentIntentId: string | null | undefined,
): Promise<void> {
  if (!paymentIntentId) return;
  const rows = await tx
    .update(stripeEvents)
    .set({ status: 'received', deferKey: null })
    .where(and(eq(stripeEvents.status, 'deferred'), eq(stripeEvents.deferKey, `pi:${paymentIntentId}`)))
    .returning({ id: stripeEvents.id });
  for (const row of rows) await enqueueStripeEvent(boss, tx, row.id);
}

interface Prefetched {
  subscription?: Stripe.Subscription;
  fetchedAt?: Date;
  /** For `invoice.paid`: the PaymentIntent that paid it (Stripe's invoice payments). */
  invoicePaymentIntent?: string;
}

async function prefetch(deps: BillingDeps, event: Stripe.Event): Promise<Prefetched> {
  if (!isHandledEventType(event.type) || !deps.stripe) return {};
  const subscriptionId = subscriptionIdOf(event);
  if (!subscriptionId) return {};
  const fetchedAt = deps.now();
  const subscription = await deps.stripe.subscriptions.retrieve(subscriptionId);
  if (event.type !== 'invoice.paid') return { subscription, fetchedAt };
  const invoiceId = idOf((event.data.object as { id?: unknown }).id);
  const payments = invoiceId
    ? await deps.stripe.invoicePayments.list({ invoice: invoiceId, status: 'paid', limit: 10 })
    : undefined;
  const paidBy = payments?.data
    .map((p) => idOf(p.payment.payment_intent))
    .find((id): id is string => id !== null);
  return { subscription, fetchedAt, ...(paidBy ? { invoicePaymentIntent: paidBy } : {}) };
}

async function effect(
  tx: Db,
  deps: BillingDeps,
  event: Stripe.Event,
  fetched: Prefetched,
): Promise<ApplyOutcome> {
  if (!isHandledEventType(event.type)) return ignored(`${event.type} is not acted on`);
  const object = event.data.object as unknown as Record<string, unknown>;
  if (isCheckoutEvent(event.type)) {
    const session = object as unknown as Stripe.Checkout.Session;
    return applyCheckoutSession(tx, deps, event.type, session, (t, order) =>
      requeueDeferred(t, deps.boss, order.paymentIntentId),
    );
  }
  if (event.type === 'charge.refunded')
    return applyChargeRefunded(tx, deps, object as unknown as Stripe.Charge);
  if (event.type === 'charge.dispute.created') {
    return applyDisputeCreated(tx, deps, object as unknown as Stripe.Dispute);
  }

  // Subscription and invoice events: the member comes from the customer.
  const customerId = idOf(object.customer);
  const userId = customerId ? await findUserByCustomer(tx, customerId) : undefined;
  if (!userId) return flagged(`customer ${customerId ?? '(none)'} is not one of our members`);
  if (fetched.subscription && fetched.fetchedAt) {
    if (idOf(fetched.subscription.customer) !== customerId) {
      return flagged(`subscription ${fetched.subscription.id} belongs to another customer`);
    }
    await syncSubscription(tx, {
      sub: fetched.subscription,
      userId,
      catalog: deps.settings.catalog,
      fetchedAt: fetched.fetchedAt,
    });
  }
  if (event.type === 'invoice.paid') {
    const outcome = await applyInvoicePaid(
      tx,
      deps,
      object as unknown as Stripe.Invoice,
      userId,
      fetched.invoicePaymentIntent,
    );
    if (outcome.status === 'applied') await requeueDeferred(tx, deps.boss, fetched.invoicePaymentIntent);
    return outcome;
  }
  if (event.type === 'invoice.payment_failed') {
    return applyInvoiceFailed(tx, object as unknown as Stripe.Invoice, userId);
  }
  return applied(
    `subscription ${fetched.subscription?.id ?? idOf(object.id)} is ${fetched.subscription?.status ?? 'unknown'}`,
  );
}

/** Applies the inbox row `eventId` unless it already was; returns the outcome, or null if nothing was left to do. */
export async function applyStripeEvent(deps: BillingDeps, eventId: string): Promise<ApplyOutcome | null> {
  const [row] = await deps.db
    .select({ status: stripeEvents.status, payload: stripeEvents.payload })
    .from(stripeEvents)
    .where(eq(stripeEvents.id, eventId));
  if (!row || row.status !== 'received') return null;
  const event = row.payload as Stripe.Event;
  const fetched = await prefetch(deps, event);
  return deps.db.transaction(async (tx) => {
    const [locked] = await tx
      .select({ status: stripeEvents.status })
      .from(stripeEvents)
      .where(eq(stripeEvents.id, eventId))
      .for('update');
    if (!locked || locked.status !== 'received') return null;
    const outcome = await effect(tx, deps, event, fetched);
    await tx
      .update(stripeEvents)
      .set({
        status: outcome.status,
        note: outcome.note ?? null,
        deferKey: outcome.status === 'deferred' ? outcome.deferKey : null,
        appliedAt: outcome.status === 'deferred' ? null : deps.now(),
      })
      .where(eq(stripeEvents.id, eventId));
    if (outcome.status === 'flagged') {
      deps.logger.warn(
        { eventId, type: event.type, note: outcome.note },
        'stripe event flagged for an admin',
      );
    }
    return outcome;
  });
}
