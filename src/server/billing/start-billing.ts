/**
 * Starts billing in a process (platform.ts): the Stripe client, the billing
 * queues, and where workers run, the event worker and the reconciler's
 * schedule. Billing without Stripe keys still starts (the pricing page
 * shows the catalog, nothing can be bought), so pages need no special case.
 */
import type { Logger } from 'pino';
import type { PgBoss } from 'pg-boss';
import type { Config } from '../config';
import type { Db } from '../db/client';
import { applyStripeEvent } from './apply-event';
import type { BillingDeps } from './deps';
import {
  createBillingQueues,
  STRIPE_EVENT_QUEUE,
  STRIPE_RECONCILE_QUEUE,
  type StripeEventJob,
} from './queue';
import { reconcileStripe } from './reconciler';
import { createStripeClient } from './stripe-client';

/** Event-applying slots per process: applying is short, and two overlap a Stripe fetch with a commit. */
const EVENT_SLOTS = 2;

export interface Billing extends BillingDeps {
  stop(): void;
}

export async function startBilling(options: {
  config: Pick<Config, 'billing' | 'publicUrl' | 'jobs'>;
  db: Db;
  boss: PgBoss;
  logger: Logger;
  now: () => Date;
  runWorkers: boolean;
}): Promise<Billing> {
  const { config, boss, logger } = options;
  const settings = config.billing;
  await createBillingQueues(boss);
  const workerIds: string[] = [];
  const timers: NodeJS.Timeout[] = [];
  const billing: Billing = {
    db: options.db,
    settings,
    stripe: createStripeClient(settings),
    boss,
    logger,
    now: options.now,
    publicUrl: config.publicUrl,
    wakeEventWorker: () => {
      for (const id of workerIds) boss.notifyWorker(id);
    },
    stop: () => {
      for (const timer of timers) clearInterval(timer);
    },
  };
  if (!options.runWorkers) return billing;

  // Two slots; like the generation slots (jobs/queue.ts), each fetches again
  // the moment its job ends instead of waiting out the polling interval, so
  // a burst of deliveries drains at the speed of applying, not of polling.
  for (let slot = 0; slot < EVENT_SLOTS; slot++) {
    const worker: { id?: string } = {};
    worker.id = await boss.work<StripeEventJob>(
      STRIPE_EVENT_QUEUE,
      { pollingIntervalSeconds: config.jobs.pollingIntervalSeconds, batchSize: 1 },
      async ([job]) => {
        try {
          if (job) await applyStripeEvent(billing, job.data.eventId);
        } finally {
          if (worker.id) boss.notifyWorker(worker.id);
        }
      },
    );
    workerIds.push(worker.id);
  }
  if (settings.enabled && settings.reconcileIntervalMinutes > 0) {
    await boss.work(STRIPE_RECONCILE_QUEUE, { pollingIntervalSeconds: 30 }, async () => {
      await reconcileStripe(billing);
    });
    const windowSeconds = settings.reconcileIntervalMinutes * 60;
    // Every process asks; the singleton window lets one run through per interval.
    const ask = () =>
      boss
        .send(STRIPE_RECONCILE_QUEUE, {}, { singletonKey: 'reconcile', singletonSeconds: windowSeconds })
        .catch((error: unknown) => logger.error({ err: error }, 'could not schedule the stripe reconciler'));
    void ask();
    const timer = setInterval(() => void ask(), Math.min(windowSeconds * 1000, 60 * 60_000));
    timer.unref();
    timers.push(timer);
  }
  logger.info({ enabled: settings.enabled }, 'billing workers started');
  return billing;
}
