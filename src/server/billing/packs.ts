/**
 * Checkout Session events (issue 5 part 3). A pack is credited when any
 * event shows its session paid (`completed` with payment_status `paid`, or
 * `async_payment_succeeded`), once: the grant's key and source are the
 * session id, and the order row is locked while it changes. A session seen
 * unpaid leaves the order `processing` (a delayed payment method), a failed
 * one marks it `failed` unless it was already paid. Plans only note the
 * subscription on the order: their credits come with each paid invoice.
 */
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { grantCredits } from '../credits';
import type { Db } from '../db/client';
import { billingOrders } from '../db/schema';
import type { BillingDeps } from './deps';
import { applied, flagged, idOf, lockPayment, type ApplyOutcome } from './outcome';

export type OrderRow = typeof billingOrders.$inferSelect;

async function lockOrder(tx: Db, session: Stripe.Checkout.Session): Promise<OrderRow | undefined> {
  const [bySession] = await tx
    .select()
    .from(billingOrders)
    .where(eq(billingOrders.checkoutSessionId, session.id))
    .for('update');
  if (bySession) return bySession;
  // The session was created but our write of its id was lost (a crash between the two):
  // the order id in the metadata still names it.
  const orderId = session.metadata?.orderId;
  if (!orderId || !/^[0-9a-f-]{36}$/.test(orderId)) return undefined;
  const [byId] = await tx.select().from(billingOrders).where(eq(billingOrders.id, orderId)).for('update');
  if (!byId || (byId.checkoutSessionId && byId.checkoutSessionId !== session.id)) return undefined;
  if (byId.userId !== session.client_reference_id) return undefined;
  await tx.update(billingOrders).set({ checkoutSessionId: session.id }).where(eq(billingOrders.id, byId.id));
  return { ...byId, checkoutSessionId: session.id };
}

export function packGrantKey(sessionId: string): string {
  return `stripe:checkout:${sessionId}`;
}

export async function applyCheckoutSession(
  tx: Db,
  deps: Pick<BillingDeps, 'now'>,
  type: string,
  session: Stripe.Checkout.Session,
  afterPaid: (tx: Db, order: OrderRow) => Promise<void>,
): Promise<ApplyOutcome> {
  const paymentIntent = idOf(session.payment_intent);
  if (paymentIntent) await lockPayment(tx, paymentIntent);
  const order = await lockOrder(tx, session);
  if (!order) return flagged(`checkout session ${session.id} matches no order of ours`);
  const customer = idOf(session.customer);
  if (order.kind === 'plan') {
    const subscription = idOf(session.subscription);
    const paid = session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
    await tx
      .update(billingOrders)
      .set({
        subscriptionId: subscription ?? order.subscriptionId,
        amountTotal: session.amount_total ?? order.amountTotal,
        currency: session.currency ?? order.currency,
        ...(paid && order.status !== 'paid' ? { status: 'paid' as const, paidAt: deps.now() } : {}),
        ...(type === 'checkout.session.expired' && order.status === 'open'
          ? { status: 'expired' as const }
          : {}),
      })
      .where(eq(billingOrders.id, order.id));
    return applied(`plan order ${order.id}${subscription ? ` started ${subscription}` : ''}`);
  }

  if (order.status === 'paid') return applied(`order ${order.id} was already credited`);
  if (type === 'checkout.session.async_payment_failed') {
    await tx.update(billingOrders).set({ status: 'failed' }).where(eq(billingOrders.id, order.id));
    return applied(`order ${order.id}: the delayed payment failed`);
  }
  if (type === 'checkout.session.expired') {
    if (order.status === 'open') {
      await tx.update(billingOrders).set({ status: 'expired' }).where(eq(billingOrders.id, order.id));
    }
    return applied(`order ${order.id}: the session expired unpaid`);
  }
  const paid = session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
  if (!paid) {
    if (order.status === 'open') {
      await tx.update(billingOrders).set({ status: 'processing' }).where(eq(billingOrders.id, order.id));
    }
    return applied(`order ${order.id}: waiting for the payment (${session.payment_status})`);
  }
  if (order.status === 'failed' && type === 'checkout.session.completed') {
    // A `completed` snapshot said paid after a delayed payment failed: impossible for one
    // session in Stripe's model, so someone should look rather than credit it.
    return flagged(`order ${order.id}: paid session after a failed delayed payment`);
  }
  const key = packGrantKey(session.id);
  await grantCredits(tx, {
    userId: order.userId,
    amount: order.credits,
    kind: 'purchase',
    reason: 'purchase',
    idempotencyKey: key,
    sourceRef: key,
    at: deps.now(),
  });
  const paymentIntentId = paymentIntent;
  const updated: OrderRow = {
    ...order,
    status: 'paid',
    paidAt: deps.now(),
    paymentIntentId,
    amountTotal: session.amount_total,
    currency: session.currency,
  };
  await tx
    .update(billingOrders)
    .set({
      status: 'paid',
      paidAt: updated.paidAt,
      paymentIntentId,
      amountTotal: session.amount_total,
      currency: session.currency,
    })
    .where(eq(billingOrders.id, order.id));
  await afterPaid(tx, updated);
  return applied(`order ${order.id}: ${order.credits} credits granted${customer ? ` to ${customer}` : ''}`);
}

export function isCheckoutEvent(type: string): boolean {
  return type.startsWith('checkout.session.');
}
