/**
 * What a member sees and does on the billing page (issue 5 part 5): their
 * plan, orders, invoices and notices, and the subscription actions (cancel
 * at period end, resume, change plan) and the Billing Portal, all through
 * Stripe. Every read and action is scoped to the signed-in member's own
 * rows; another member's order id answers 404.
 *
 * Subscription changes are POSTs to Stripe with an Idempotency-Key derived
 * from our record: the subscription, the change, and the time our row last
 * changed, so a repeated click before the webhook lands is one change.
 * Our row is refreshed from Stripe's answer at once (the webhook that
 * follows agrees, and a later fetch always wins).
 */
import { and, desc, eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import type {
  BillingCatalogView,
  BillingInvoiceView,
  BillingOrderView,
  BillingOverview,
  BillingSubscriptionView,
  OrderStatusResponse,
} from '../../shared/billing';
import type { Locale } from '../../i18n';
import type { Db } from '../db/client';
import { billingInvoices, billingNotices, billingOrders, billingSubscriptions } from '../db/schema';
import { AppError } from '../errors';
import { requireStripe } from './checkout';
import { findCustomerId } from './customers';
import type { BillingDeps } from './deps';
import { idOf } from './outcome';
import { findItem } from './settings';
import { currentSubscription, hasAccess, subscriptionView, syncSubscription } from './subscriptions';
import { modelPriceExamples } from './price-examples';

type OrderRow = typeof billingOrders.$inferSelect;

function orderView(row: OrderRow): BillingOrderView {
  return {
    id: row.id,
    kind: row.kind,
    itemId: row.itemId,
    status: row.status,
    credits: row.credits,
    creditsClawedBack: row.creditsClawedBack,
    amount: row.amountTotal,
    currency: row.currency,
    createdAt: row.createdAt.toISOString(),
    paidAt: row.paidAt?.toISOString() ?? null,
    receiptPath:
      row.kind === 'pack' && row.status === 'paid' && row.paymentIntentId
        ? `/api/billing/orders/${row.id}/receipt`
        : null,
  };
}

export async function catalogView(deps: BillingDeps): Promise<BillingCatalogView> {
  const { catalog } = deps.settings;
  const sellable = (priceId: string | null) => deps.settings.enabled && priceId !== null;
  return {
    enabled: deps.settings.enabled,
    packs: catalog.packs.map((p) => ({
      id: p.id,
      kind: 'pack',
      credits: p.credits,
      amount: p.amount,
      currency: p.currency,
      purchasable: sellable(p.priceId),
    })),
    plans: catalog.plans.map((p) => ({
      id: p.id,
      kind: 'plan',
      tier: p.tier,
      interval: p.interval,
      creditsPerPeriod: p.creditsPerPeriod,
      amount: p.amount,
      currency: p.currency,
      purchasable: sellable(p.priceId),
    })),
    examples: await modelPriceExamples(deps.db),
  };
}

export async function billingOverview(deps: BillingDeps, userId: string): Promise<BillingOverview> {
  const [subscription, orders, invoices, notices] = await Promise.all([
    currentSubscription(deps.db, userId),
    deps.db
      .select()
      .from(billingOrders)
      .where(eq(billingOrders.userId, userId))
      .orderBy(desc(billingOrders.createdAt))
      .limit(50),
    deps.db
      .select()
      .from(billingInvoices)
      .where(eq(billingInvoices.userId, userId))
      .orderBy(desc(billingInvoices.createdAt))
      .limit(50),
    deps.db
      .select()
      .from(billingNotices)
      .where(eq(billingNotices.userId, userId))
      .orderBy(desc(billingNotices.createdAt))
      .limit(20),
  ]);
  return {
    enabled: deps.settings.enabled,
    subscription: subscription ? subscriptionView(subscription) : null,
    // Orders nobody paid for are noise in the history; the success page still reads its own.
    orders: orders.filter((o) => o.status !== 'open' && o.status !== 'expired').map(orderView),
    invoices: invoices.map((i): BillingInvoiceView => ({
      id: i.id,
      status: i.status,
      amountPaid: i.amountPaid,
      currency: i.currency,
      periodStart: i.periodStart?.toISOString() ?? null,
      periodEnd: i.periodEnd?.toISOString() ?? null,
      creditsGranted: i.creditsGranted,
      hostedInvoiceUrl: i.hostedInvoiceUrl,
      createdAt: i.createdAt.toISOString(),
    })),
    notices: notices.map((n) => ({
      id: n.id,
      kind: n.kind,
      credits: n.credits,
      unrecovered: n.unrecovered,
      createdAt: n.createdAt.toISOString(),
    })),
  };
}

async function ownOrder(db: Db, userId: string, orderId: string): Promise<OrderRow> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(orderId)) {
    throw new AppError('not_found', { detail: 'no such order' });
  }
  const [row] = await db
    .select()
    .from(billingOrders)
    .where(and(eq(billingOrders.id, orderId), eq(billingOrders.userId, userId)));
  if (!row) throw new AppError('not_found', { detail: `order ${orderId} is not this member's` });
  return row;
}

export async function orderStatus(
  deps: BillingDeps,
  userId: string,
  orderId: string,
): Promise<OrderStatusResponse> {
  const order = await ownOrder(deps.db, userId, orderId);
  let subscription: BillingSubscriptionView | null = null;
  if (order.kind === 'plan' && order.subscriptionId) {
    const [row] = await deps.db
      .select()
      .from(billingSubscriptions)
      .where(and(eq(billingSubscriptions.id, order.subscriptionId), eq(billingSubscriptions.userId, userId)));
    subscription = row ? subscriptionView(row) : null;
  }
  return { order: orderView(order), subscription };
}

/** Stripe's receipt for a paid pack: looked up when asked, since receipt URLs are Stripe's to change. */
export async function receiptUrl(deps: BillingDeps, userId: string, orderId: string): Promise<string> {
  const order = await ownOrder(deps.db, userId, orderId);
  if (order.status !== 'paid' || !order.paymentIntentId) {
    throw new AppError('not_found', { detail: `order ${orderId} has no receipt` });
  }
  const stripe = requireStripe(deps);
  const intent = await stripe.paymentIntents.retrieve(order.paymentIntentId);
  const chargeId = idOf(intent.latest_charge);
  if (!chargeId) throw new AppError('not_found', { detail: `payment ${intent.id} has no charge` });
  const charge = await stripe.charges.retrieve(chargeId);
  if (!charge.receipt_url) throw new AppError('not_found', { detail: `charge ${charge.id} has no receipt` });
  return charge.receipt_url;
}

type SubscriptionChange = { action: 'cancel' } | { action: 'resume' } | { action: 'change'; planId: string };

export async function changeSubscription(
  deps: BillingDeps,
  userId: string,
  change: SubscriptionChange,
): Promise<BillingSubscriptionView> {
  const stripe = requireStripe(deps);
  const row = await currentSubscription(deps.db, userId);
  if (!row || !hasAccess(row)) throw new AppError('not_found', { detail: 'no active subscription' });
  const version = row.fetchedAt.getTime();
  let params: Stripe.SubscriptionUpdateParams;
  let key: string;
  if (change.action === 'change') {
    const item = findItem(deps.settings.catalog, change.planId);
    if (!item || item.kind !== 'plan' || !item.priceId) {
      throw new AppError('unknown_item', { detail: `no plan ${change.planId} is for sale` });
    }
    if (item.priceId === row.priceId) return subscriptionView(row);
    const current = await stripe.subscriptions.retrieve(row.id);
    const itemId = current.items.data[0]?.id;
    if (!itemId) throw new Error(`subscription ${row.id} has no item`);
    // The new price applies from the next period: no proration, no extra invoice now (decision 020).
    params = { items: [{ id: itemId, price: item.priceId }], proration_behavior: 'none' };
    key = `subscription:${row.id}:price:${item.priceId}:${version}`;
  } else {
    const cancel = change.action === 'cancel';
    if (row.cancelAtPeriodEnd === cancel) return subscriptionView(row);
    params = { cancel_at_period_end: cancel };
    key = `subscription:${row.id}:${change.action}:${version}`;
  }
  const fetchedAt = deps.now();
  const updated = await stripe.subscriptions.update(row.id, params, { idempotencyKey: key });
  await deps.db.transaction((tx) =>
    syncSubscription(tx, { sub: updated, userId, catalog: deps.settings.catalog, fetchedAt }),
  );
  const [fresh] = await deps.db
    .select()
    .from(billingSubscriptions)
    .where(eq(billingSubscriptions.id, row.id));
  return subscriptionView(fresh ?? row);
}

export async function portalUrl(deps: BillingDeps, userId: string, lang: Locale): Promise<string> {
  const stripe = requireStripe(deps);
  const customer = await findCustomerId(deps.db, userId);
  if (!customer) throw new AppError('not_found', { detail: 'this member has never paid' });
  const session = await stripe.billingPortal.sessions.create(
    { customer, return_url: `${deps.publicUrl}/${lang}/billing`, locale: lang === 'zh' ? 'zh' : 'en' },
    // A portal session is a short-lived link; one per member per minute is plenty.
    { idempotencyKey: `portal:${userId}:${lang}:${Math.floor(deps.now().getTime() / 60_000)}` },
  );
  return session.url;
}
