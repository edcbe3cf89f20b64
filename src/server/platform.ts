/**
 * The generation loop's services, started once per process after the
 * database is migrated: catalog seed, object storage, the pg-boss queue,
 * the live-status listener, the providers, and (unless WORKER_MODE=separate
 * in a web process) the workers and the sweeper.
 */
import type { Logger } from 'pino';
import { promoteAdminEmails } from './admin/admin-emails';
import { startBilling, type Billing } from './billing/start-billing';
import { enableProvidersFromEnv } from './catalog/enable-from-env';
import { seedCatalog } from './catalog/seed-catalog';
import type { Config } from './config';
import type { Database } from './db/client';
import { startGenerationEvents } from './generations/events';
import { runGeneration } from './generations/run-generation';
import { startSweeper, type Sweeper } from './generations/sweeper';
import type { GenerationDeps } from './generations/types';
import { startJobQueue } from './jobs/queue';
import { providerKeyBox } from './providers/credentials';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry';
import { createStorage } from './storage/create-storage';

export interface Platform {
  generation: GenerationDeps;
  /** Stripe checkout, webhooks and the reconciler (decision 020). */
  billing: Billing;
  /** True when this process runs generation jobs. */
  runsWorkers: boolean;
  /** Stops taking jobs, lets running ones finish (bounded by `graceSeconds`), then closes everything. */
  stop(graceSeconds: number): Promise<void>;
}

export async function startPlatform(options: {
  config: Config;
  logger: Logger;
  database: Database;
  now: () => Date;
  /** Run generation jobs and the sweeper in this process. */
  runWorkers: boolean;
  /** Tests inject providers; by default the registry has the built-in offline provider. */
  providers?: ProviderRegistry;
}): Promise<Platform> {
  const { config, logger, database, now } = options;
  const seeded = await seedCatalog(database.db);
  if (seeded.providers + seeded.models + seeded.routes > 0) logger.info({ seeded }, 'model catalog seeded');
  const promoted = await promoteAdminEmails(database.db, config.adminEmails);
  if (promoted.length > 0)
    logger.info({ count: promoted.length }, 'ADMIN_EMAILS: accounts given the admin role');
  const enabled = await enableProvidersFromEnv(database.db, config.providerEnv);
  if (enabled.length > 0)
    logger.info({ providers: enabled }, 'providers configured by the environment turned on');
  const storage = await createStorage(config.storage);
  const queue = await startJobQueue(database, config, logger);
  const events = await startGenerationEvents(database, { url: database.url, logger });
  const providers =
    options.providers ??
    createProviderRegistry({
      local: config.localProvider,
      catalog: {
        db: database.db,
        keyBox: providerKeyBox(config.appSecret),
        env: config.providerEnv,
        appUrl: config.publicUrl,
      },
    });
  const generation: GenerationDeps = {
    db: database.db,
    config,
    logger,
    now,
    queue,
    storage,
    providers,
    events,
  };

  const billing = await startBilling({
    config,
    db: database.db,
    boss: queue.boss,
    logger,
    now,
    runWorkers: options.runWorkers,
  });

  let sweeper: Sweeper | undefined;
  if (options.runWorkers) {
    await queue.workGenerations((job) => runGeneration(generation, job));
    // A new generation commits together with its job and its `queued`
    // announcement: one idle slot fetches it at once. After the listening
    // connection was lost, every idle slot looks (announcements were missed).
    events.subscribeAll((event) => {
      if (event === 'resync') queue.wakeIdleSlot(true);
      else if (event.status === 'queued') queue.wakeIdleSlot();
    });
    sweeper = startSweeper(generation);
    logger.info({ concurrency: config.worker.concurrency }, 'generation workers started');
  }
  return {
    generation,
    billing,
    runsWorkers: options.runWorkers,
    async stop(graceSeconds) {
      billing.stop();
      await sweeper?.stop();
      await queue.stop(graceSeconds);
      await events.close();
      await storage.close();
    },
  };
}
