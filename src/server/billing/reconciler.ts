/**
 * The reconciler (issue 5 part 4, decision 020): what webhooks missed,
 * found through Stripe's API and fed through the same inbox, so nothing it
 * finds can take effect twice.
 *
 * 1. List Events with `delivery_success=false` over the lookback (30 days at
 *    most, what Stripe keeps) for the handled types: each is stored like a
 *    delivery (`source = reconciler`; a known id adds nothing).
 * 2. Our own orders still waiting (`open` or `processing`, younger than the
 *    lookback): their Checkout Session is retrieved; a paid one whose
 *    events never reached us is applied as if `completed` had arrived.
 * 3. Inbox rows still `received` after a grace period (their job was lost
 *    or gave up) are enqueued again, and so are `deferred` ones (a refund
 *    waiting for its purchase); one still waiting after a week refunds
 *    nothing we sold and is flagged for an admin.
 *
 * It runs every STRIPE_RECONCILE_INTERVAL_MINUTES as a pg-boss singleton (one
 * run per interval across all processes) and from `npm run admin --
 * reconcile-stripe`. Everything it had to fix is logged as a warning and
 * counted in its result.
 */
import { and, eq, gte, inArray, lt } from 'drizzle-orm';
import type Stripe from 'stripe';
import { billingOrders, stripeEvents } from '../db/schema';
import { handledEventTypes } from './event-types';
import { requireStripe } from './checkout';
import type { BillingDeps } from './deps';
import { enqueueStripeEvent } from './queue';
import { storeStripeEvent } from './webhook-receiver';

export interface ReconcileResult {
  /** Undelivered events Stripe listed. */
  eventsListed: number;
  /** Of those, ones the inbox did not have yet. */
  eventsStored: number;
  /** Waiting orders whose session was checked. */
  sessionsChecked: number;
  /** Paid sessions no event had told us about, now stored for applying. */
  sessionsRecovered: number;
  /** Inbox rows enqueued again because their job was lost, or because they wait for a payment. */
  eventsRequeued: number;
  /** Deferred for longer than a week: flagged. */
  deferredFlagged: number;
}

/** A `received` row older than this is assumed to have lost its job. */
const STUCK_AFTER_MS = 10 * 60_000;
/** A refund or dispute still waiting for its purchase after this is about nothing we sold. */
const GIVE_UP_AFTER_MS = 7 * 86_400_000;

export async function reconcileStripe(
  deps: BillingDeps,
  options: { lookbackDays?: number } = {},
): Promise<ReconcileResult> {
  const stripe = requireStripe(deps);
  const now = deps.now();
  const lookbackDays = options.lookbackDays ?? deps.settings.reconcileLookbackDays;
  const since = Math.floor(now.getTime() / 1000) - lookbackDays * 86_400;
  const result: ReconcileResult = {
    eventsListed: 0,
    eventsStored: 0,
    sessionsChecked: 0,
    sessionsRecovered: 0,
    eventsRequeued: 0,
    deferredFlagged: 0,
  };

  for await (const event of stripe.events.list({
    delivery_success: false,
    created: { gte: since },
    types: [...handledEventTypes],
    limit: 100,
  })) {
    result.eventsListed += 1;
    if ((await storeStripeEvent(deps, event, 'reconciler')) !== 'duplicate') result.eventsStored += 1;
  }

  const waiting = await deps.db
    .select({ id: billingOrders.id, sessionId: billingOrders.checkoutSessionId })
    .from(billingOrders)
    .where(
      and(
        inArray(billingOrders.status, ['open', 'processing']),
        gte(billingOrders.createdAt, new Date(since * 1000)),
      ),
    )
    .limit(1000);
  for (const order of waiting) {
    if (!order.sessionId) continue;
    // Its events are in the inbox already (listed just now, or waiting for their job).
    const [known] = await deps.db
      .select({ id: stripeEvents.id })
      .from(stripeEvents)
      .where(eq(stripeEvents.objectId, order.sessionId))
      .limit(1);
    if (known) continue;
    result.sessionsChecked += 1;
    const session = await stripe.checkout.sessions.retrieve(order.sessionId);
    const paid = session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
    if (session.status !== 'complete' || !paid) continue;
    // A synthetic event with a stable id: found twice, it is stored once.
    const synthetic = {
      id: `reconcile_${session.id}`,
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(now.getTime() / 1000),
      livemode: session.livemode,
      data: { object: session },
    } as unknown as Stripe.Event;
    if ((await storeStripeEvent(deps, synthetic, 'reconciler')) !== 'duplicate')
      result.sessionsRecovered += 1;
  }

  const stuck = await deps.db
    .select({ id: stripeEvents.id })
    .from(stripeEvents)
    .where(
      and(
        eq(stripeEvents.status, 'received'),
        lt(stripeEvents.receivedAt, new Date(now.getTime() - STUCK_AFTER_MS)),
      ),
    )
    .limit(1000);
  for (const row of stuck) {
    await deps.db.transaction((tx) => enqueueStripeEvent(deps.boss, tx, row.id));
    result.eventsRequeued += 1;
  }

  const waitedTooLong = await deps.db
    .update(stripeEvents)
    .set({ status: 'flagged', note: 'waited a week for a payment of ours to refund or dispute; none came' })
    .where(
      and(
        eq(stripeEvents.status, 'deferred'),
        lt(stripeEvents.receivedAt, new Date(now.getTime() - GIVE_UP_AFTER_MS)),
      ),
    )
    .returning({ id: stripeEvents.id });
  result.deferredFlagged = waitedTooLong.length;
  const waitingForPayment = await deps.db
    .update(stripeEvents)
    .set({ status: 'received', deferKey: null })
    .where(
      and(
        eq(stripeEvents.status, 'deferred'),
        lt(stripeEvents.receivedAt, new Date(now.getTime() - STUCK_AFTER_MS)),
      ),
    )
    .returning({ id: stripeEvents.id });
  for (const row of waitingForPayment) {
    await deps.db.transaction((tx) => enqueueStripeEvent(deps.boss, tx, row.id));
    result.eventsRequeued += 1;
  }

  const fixed =
    result.eventsStored + result.sessionsRecovered + result.eventsRequeued + result.deferredFlagged;
  if (fixed > 0) deps.logger.warn({ reconcile: result }, 'stripe reconciler found what webhooks missed');
  else deps.logger.info({ reconcile: result }, 'stripe reconciler: nothing missed');
  if (fixed > 0) deps.wakeEventWorker();
  return result;
}
