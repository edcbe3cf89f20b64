/**
 * The billing queues on the platform's pg-boss: `stripe-event` applies one
 * stored webhook event (its job is enqueued in the inbox row's own
 * transaction, decision 020), and `stripe-reconcile` runs the reconciler at
 * most once per interval across every process (a singleton per window).
 */
import { sql } from 'drizzle-orm';
import { fromDrizzle, type PgBoss } from 'pg-boss';
import type { Executor } from '../jobs/queue';

export const STRIPE_EVENT_QUEUE = 'stripe-event';
export const STRIPE_RECONCILE_QUEUE = 'stripe-reconcile';

export interface StripeEventJob {
  eventId: string;
}

export async function createBillingQueues(boss: PgBoss): Promise<void> {
  const eventQueue = {
    // Applying is idempotent and short; a failure is usually Stripe's API
    // being briefly unreachable (subscription events fetch the subscription).
    retryLimit: 8,
    retryDelay: 2,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 120,
  };
  const reconcileQueue = { retryLimit: 2, retryDelay: 60, expireInSeconds: 900 };
  for (const [name, options] of [
    [STRIPE_EVENT_QUEUE, eventQueue],
    [STRIPE_RECONCILE_QUEUE, reconcileQueue],
  ] as const) {
    if (await boss.getQueue(name)) await boss.updateQueue(name, options);
    else await boss.createQueue(name, options);
  }
}

/** Enqueues the job that applies a stored event, inside the caller's transaction. */
export async function enqueueStripeEvent(boss: PgBoss, tx: Executor, eventId: string): Promise<void> {
  const id = await boss.send(STRIPE_EVENT_QUEUE, { eventId } satisfies StripeEventJob, {
    db: fromDrizzle(tx as never, sql),
  });
  if (!id) throw new Error('the job queue did not accept the stripe event job');
}
