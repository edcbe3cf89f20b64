/**
 * Subscription invoices (issue 5 part 3). Each paid invoice grants its
 * plan's allowance once (key and source `stripe:invoice:<id>`), expiring at
 * the end of the period it pays for. An invoice paid for a period that has
 * already ended (found late by the reconciler) grants nothing: credits that
 * expire before they are granted would only clutter the history; it is
 * flagged so the operator can decide. A failed payment tells the member
 * once; access during Stripe's retries follows the subscription's status.
 */
import { eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { grantCredits } from '../credits';
import type { Db } from '../db/client';
import { billingInvoices, billingNotices } from '../db/schema';
import type { BillingDeps } from './deps';
import { applied, flagged, fromUnix, idOf, ignored, lockPayment, type ApplyOutcome } from './outcome';
import { planForPrice } from './settings';
import { invoiceSubscriptionId } from './subscriptions';

function invoiceLine(invoice: Stripe.Invoice): Record<string, unknown> | undefined {
  return invoice.lines?.data?.[0] as unknown as Record<string, unknown> | undefined;
}

/** The line's price: `pricing.price_details.price` in newer API versions, `price` in older ones. */
export function invoicePriceId(invoice: Stripe.Invoice): string | null {
  const line = invoiceLine(invoice);
  const pricing = line?.pricing as { price_details?: { price?: unknown } } | undefined;
  return idOf(pricing?.price_details?.price) ?? idOf(line?.price);
}

export function invoiceGrantKey(invoiceId: string): string {
  return `stripe:invoice:${invoiceId}`;
}

async function upsertInvoice(
  tx: Db,
  invoice: Stripe.Invoice,
  userId: string,
  subscriptionId: string,
  extra: { creditsGranted?: number; paymentIntentId?: string } = {},
) {
  const line = invoiceLine(invoice);
  const linePeriod = line?.period as { start?: number; end?: number } | undefined;
  const raw = invoice as unknown as Record<string, unknown>;
  const values = {
    status: invoice.status ?? 'open',
    amountPaid: invoice.amount_paid ?? 0,
    currency: invoice.currency,
    periodStart: fromUnix(linePeriod?.start ?? invoice.period_start),
    periodEnd: fromUnix(linePeriod?.end ?? invoice.period_end),
    chargeId: idOf(raw.charge),
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    ...extra,
  };
  await tx
    .insert(billingInvoices)
    .values({
      id: invoice.id,
      userId,
      subscriptionId,
      createdAt: fromUnix(invoice.created) ?? new Date(),
      ...values,
    })
    .onConflictDoUpdate({
      target: billingInvoices.id,
      set: {
        ...values,
        // A paid invoice stays paid whatever older snapshot is applied after it.
        status: sql`case when ${billingInvoices.status} = 'paid' then 'paid' else excluded.status end`,
      },
    });
}

/**
 * `paymentIntentId` is what paid the invoice, read from Stripe's invoice
 * payments before the transaction (the invoice itself no longer names it);
 * refunds and disputes of the invoice find it by that.
 */
export async function applyInvoicePaid(
  tx: Db,
  deps: Pick<BillingDeps, 'now' | 'settings'>,
  invoice: Stripe.Invoice,
  userId: string,
  paymentIntentId: string | undefined,
): Promise<ApplyOutcome> {
  const subscriptionId = invoiceSubscriptionId(invoice as unknown as Record<string, unknown>);
  if (!subscriptionId) return ignored('an invoice without a subscription');
  if (paymentIntentId) await lockPayment(tx, paymentIntentId);
  const paid = paymentIntentId ? { paymentIntentId } : {};
  const priceId = invoicePriceId(invoice);
  const plan = priceId ? planForPrice(deps.settings.catalog, priceId) : undefined;
  if (!plan) {
    await upsertInvoice(tx, invoice, userId, subscriptionId, paid);
    return flagged(`invoice ${invoice.id} is for price ${priceId ?? '(none)'}, which no plan sells`);
  }
  const [existing] = await tx
    .select({ creditsGranted: billingInvoices.creditsGranted })
    .from(billingInvoices)
    .where(eq(billingInvoices.id, invoice.id))
    .for('update');
  if (existing && existing.creditsGranted > 0) {
    await upsertInvoice(tx, invoice, userId, subscriptionId, {
      ...paid,
      creditsGranted: existing.creditsGranted,
    });
    return applied(`invoice ${invoice.id} was already credited`);
  }
  const periodEnd = fromUnix(
    (invoiceLine(invoice)?.period as { end?: number } | undefined)?.end ?? invoice.period_end,
  );
  const now = deps.now();
  if (!periodEnd || periodEnd.getTime() <= now.getTime()) {
    await upsertInvoice(tx, invoice, userId, subscriptionId, { ...paid, creditsGranted: 0 });
    return flagged(
      `invoice ${invoice.id} paid for a period that ended ${periodEnd?.toISOString() ?? '(unknown)'}; nothing granted`,
    );
  }
  const key = invoiceGrantKey(invoice.id);
  await grantCredits(tx, {
    userId,
    amount: plan.creditsPerPeriod,
    kind: 'subscription',
    reason: 'subscription',
    expiresAt: periodEnd,
    idempotencyKey: key,
    sourceRef: key,
    at: now,
  });
  await upsertInvoice(tx, invoice, userId, subscriptionId, {
    ...paid,
    creditsGranted: plan.creditsPerPeriod,
  });
  return applied(`invoice ${invoice.id}: ${plan.creditsPerPeriod} credits until ${periodEnd.toISOString()}`);
}

export async function applyInvoiceFailed(
  tx: Db,
  invoice: Stripe.Invoice,
  userId: string,
): Promise<ApplyOutcome> {
  const subscriptionId = invoiceSubscriptionId(invoice as unknown as Record<string, unknown>);
  if (!subscriptionId) return ignored('an invoice without a subscription');
  await upsertInvoice(tx, invoice, userId, subscriptionId);
  await tx
    .insert(billingNotices)
    .values({ userId, kind: 'payment_failed', ref: invoice.id })
    .onConflictDoNothing();
  return applied(`invoice ${invoice.id}: payment failed, member told`);
}
