/**
 * Starting a Checkout Session (issue 5 part 2). Our order row is written
 * first, so the session's Idempotency-Key (`checkout:<order id>`) derives
 * from our own record: a retried request, or the client's own network retry,
 * cannot open a second session for the same order. Packs use `payment`
 * mode, plans `subscription` mode; promotion codes are allowed.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { Locale } from '../../i18n';
import { billingOrders, billingSubscriptions } from '../db/schema';
import { AppError } from '../errors';
import { ensureCustomer } from './customers';
import type { BillingDeps } from './deps';
import { findItem } from './settings';
import type { StripeClient } from './stripe-client';

/** Subscription states in which the member still has a plan (and so must change it, not buy a second). */
export const ACCESS_STATUSES = ['active', 'trialing', 'past_due'] as const;

export function requireStripe(deps: BillingDeps): StripeClient {
  if (!deps.stripe) throw new AppError('not_configured', { detail: 'billing is off: no Stripe keys' });
  return deps.stripe;
}

export async function startCheckout(
  deps: BillingDeps,
  input: { userId: string; itemId: string; lang: Locale },
): Promise<{ orderId: string; url: string }> {
  const stripe = requireStripe(deps);
  const item = findItem(deps.settings.catalog, input.itemId);
  if (!item || !item.priceId) {
    throw new AppError('unknown_item', { detail: `no pack or plan ${input.itemId} is for sale` });
  }
  if (item.kind === 'plan') {
    const [current] = await deps.db
      .select({ id: billingSubscriptions.id })
      .from(billingSubscriptions)
      .where(
        and(
          eq(billingSubscriptions.userId, input.userId),
          inArray(billingSubscriptions.status, [...ACCESS_STATUSES]),
        ),
      )
      .limit(1);
    if (current) throw new AppError('already_subscribed', { detail: `subscription ${current.id}` });
  }
  const customerId = await ensureCustomer(deps.db, stripe, input.userId);
  const orderId = randomUUID();
  await deps.db.insert(billingOrders).values({
    id: orderId,
    userId: input.userId,
    kind: item.kind,
    itemId: item.id,
    priceId: item.priceId,
    credits: item.kind === 'pack' ? item.credits : item.creditsPerPeriod,
    createdAt: deps.now(),
  });
  const metadata = { orderId, userId: input.userId, itemId: item.id };
  const page = (outcome: 'success' | 'cancel') =>
    `${deps.publicUrl}/${input.lang}/billing/${outcome}?order=${orderId}`;
  const session = await stripe.checkout.sessions.create(
    {
      mode: item.kind === 'pack' ? 'payment' : 'subscription',
      customer: customerId,
      client_reference_id: input.userId,
      line_items: [{ price: item.priceId, quantity: 1 }],
      allow_promotion_codes: true,
      success_url: page('success'),
      cancel_url: page('cancel'),
      locale: input.lang === 'zh' ? 'zh' : 'en',
      metadata,
      ...(item.kind === 'plan' ? { subscription_data: { metadata } } : { payment_intent_data: { metadata } }),
    },
    { idempotencyKey: `checkout:${orderId}` },
  );
  await deps.db
    .update(billingOrders)
    .set({ checkoutSessionId: session.id })
    .where(eq(billingOrders.id, orderId));
  if (!session.url) throw new Error(`checkout session ${session.id} has no url`);
  return { orderId, url: session.url };
}
