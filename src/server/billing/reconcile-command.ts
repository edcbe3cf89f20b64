/**
 * `npm run admin -- reconcile-stripe [DAYS]`: the reconciler run by hand
 * (after an outage longer than Stripe's retries, say). It stores what it
 * finds through the inbox like the scheduled run, then applies every stored
 * event still waiting right here, so the result is visible at once even
 * while no server runs (the embedded database needs the server stopped).
 * The jobs it enqueued find their events applied and do nothing.
 */
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { stripeEvents } from '../db/schema';
import { ConfigError } from '../config';
import { startJobQueue } from '../jobs/queue';
import { applyStripeEvent } from './apply-event';
import { reconcileStripe, type ReconcileResult } from './reconciler';
import { startBilling } from './start-billing';

export async function runReconciler(options: {
  config: Config;
  database: Database;
  logger: Logger;
  days: number | undefined;
}): Promise<ReconcileResult & { applied: Record<string, number> }> {
  const { config, database, logger } = options;
  if (!config.billing.enabled) {
    throw new ConfigError('reconcile-stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET');
  }
  const queue = await startJobQueue(database, config, logger);
  try {
    const billing = await startBilling({
      config,
      db: database.db,
      boss: queue.boss,
      logger,
      now: () => new Date(),
      runWorkers: false,
    });
    const result = await reconcileStripe(billing, options.days ? { lookbackDays: options.days } : {});
    const waiting = await database.db
      .select({ id: stripeEvents.id })
      .from(stripeEvents)
      .where(eq(stripeEvents.status, 'received'));
    const applied: Record<string, number> = {};
    for (const { id } of waiting) {
      const outcome = await applyStripeEvent(billing, id);
      if (outcome) applied[outcome.status] = (applied[outcome.status] ?? 0) + 1;
    }
    return { ...result, applied };
  } finally {
    await queue.stop(5);
  }
}
