/**
 * Subscription state (issue 5 part 3, reliability S4). Events about a
 * subscription arrive in any order, so none of them is trusted for the
 * state: the job fetches the subscription from Stripe's API before its
 * transaction and stores what the API says. A fetch that began earlier
 * never overwrites one that began later (`fetched_at`), and `canceled` is
 * final, as it is in Stripe: so whatever the order of deliveries and jobs,
 * the row ends as the API's latest state.
 */
import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Db } from '../db/client';
import { billingSubscriptions } from '../db/schema';
import type { BillingSubscriptionView, SubscriptionStatus } from '../../shared/billing';
import { ACCESS_STATUSES } from './checkout';
import { fromUnix, idOf } from './outcome';
import { planForPrice, type BillingCatalog } from './settings';

/** The subscription an event is about, if any. */
export function subscriptionIdOf(event: Stripe.Event): string | null {
  const object = event.data.object as unknown as Record<string, unknown>;
  if (event.type.startsWith('customer.subscription.')) return idOf(object.id);
  if (event.type.startsWith('invoice.')) return invoiceSubscriptionId(object);
  return null;
}

/** Newer API versions keep it under parent.subscription_details; older ones at the top. */
export function invoiceSubscriptionId(invoice: Record<string, unknown>): string | null {
  const parent = invoice.parent as { subscription_details?: { subscription?: unknown } } | null | undefined;
  return idOf(parent?.subscription_details?.subscription) ?? idOf(invoice.subscription);
}

/** The period lives on the items in newer API versions and on the subscription in older ones. */
function period(sub: Stripe.Subscription): { start: Date | null; end: Date | null } {
  const item = sub.items?.data?.[0] as unknown as Record<string, unknown> | undefined;
  const raw = sub as unknown as Record<string, unknown>;
  return {
    start: fromUnix(item?.current_period_start ?? raw.current_period_start),
    end: fromUnix(item?.current_period_end ?? raw.current_period_end),
  };
}

export function priceIdOf(sub: Stripe.Subscription): string | null {
  return idOf(sub.items?.data?.[0]?.price);
}

/** Stores the API's view of a subscription for `userId`. */
export async function syncSubscription(
  tx: Db,
  input: { sub: Stripe.Subscription; userId: string; catalog: BillingCatalog; fetchedAt: Date },
): Promise<void> {
  const { sub } = input;
  const priceId = priceIdOf(sub) ?? 'unknown';
  const { start, end } = period(sub);
  const values = {
    userId: input.userId,
    customerId: idOf(sub.customer) ?? '',
    planId: planForPrice(input.catalog, priceId)?.id ?? null,
    priceId,
    status: sub.status,
    currentPeriodStart: start,
    currentPeriodEnd: end,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    endedAt: fromUnix(sub.ended_at),
    fetchedAt: input.fetchedAt,
  };
  await tx
    .insert(billingSubscriptions)
    .values({ id: sub.id, ...values, createdAt: fromUnix(sub.created) ?? input.fetchedAt })
    .onConflictDoUpdate({
      target: billingSubscriptions.id,
      set: values,
      // An older fetch loses; a canceled subscription stays canceled.
      setWhere: and(
        lt(billingSubscriptions.fetchedAt, input.fetchedAt),
        or(sql`${billingSubscriptions.status} <> 'canceled'`, sql`${sub.status} = 'canceled'`),
      ),
    });
}

export type SubscriptionRow = typeof billingSubscriptions.$inferSelect;

export function subscriptionView(row: SubscriptionRow): BillingSubscriptionView {
  return {
    id: row.id,
    planId: row.planId,
    status: row.status as SubscriptionStatus,
    hasAccess: hasAccess(row),
    currentPeriodStart: row.currentPeriodStart?.toISOString() ?? null,
    currentPeriodEnd: row.currentPeriodEnd?.toISOString() ?? null,
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    endedAt: row.endedAt?.toISOString() ?? null,
  };
}

export function hasAccess(row: Pick<SubscriptionRow, 'status' | 'endedAt'>): boolean {
  return (ACCESS_STATUSES as readonly string[]).includes(row.status) && row.endedAt === null;
}

/** The member's current subscription: one with access if any, else the newest. */
export async function currentSubscription(db: Db, userId: string): Promise<SubscriptionRow | undefined> {
  const rows = await db
    .select()
    .from(billingSubscriptions)
    .where(eq(billingSubscriptions.userId, userId))
    .orderBy(desc(billingSubscriptions.createdAt))
    .limit(10);
  return rows.find(hasAccess) ?? rows[0];
}
