/**
 * The sweeper (architecture: "A generation, end to end", step 5) makes PR-3
 * hold without anyone watching: every accepted generation ends within
 * B = hold timeout + one sweep interval. Each pass
 *  1. voids holds past their timeout and fails their generations (`timeout`),
 *     cancelling any job still queued for them;
 *  2. repairs unfinished generations whose job is gone or finished (retention,
 *     a deleted row, a run that gave up): re-enqueued while the hold is still
 *     valid, otherwise failed and refunded;
 *  3. expires credit grants past their date, and completes thumbnails that
 *     neither a run nor its rerun made (thumbnails.ts);
 *  4. now and then, deletes stored objects that no row refers to (J3:
 *     generation images, and uploads whose row is gone) and,
 *     on disk, the temporary files of writes a crash interrupted, and forgets
 *     provider webhook deliveries older than any provider's retry window.
 * Every write is conditional, so several sweepers (one per worker process)
 * may run at once.
 */
import { and, eq, gt, inArray, lt } from 'drizzle-orm';
import { expireGrants, findOpenHoldsExpiredBefore, generationLedgerKeys, voidHold } from '../credits';
import { creditHolds, generationImages, generations, providerWebhookDeliveries } from '../db/schema';
import { isDiskStorage } from '../storage/disk-storage';
import { sweepOrphans } from '../storage/find-orphans';
import { knownUploadKeys } from '../uploads/queries';
import { announce } from './events';
import { isUuid } from './queries';
import { fail } from './finish-generation';
import { repairBackoff, repairThumbnails, type RepairBackoff } from './thumbnails';
import type { GenerationDeps } from './types';

export interface SweepReport {
  expiredHolds: number;
  reenqueued: number;
  failedWithoutJob: number;
  expiredGrants: number;
  thumbnailsCompleted: number;
  orphansDeleted: number;
  tempFilesRemoved: number;
  webhookDeliveriesForgotten: number;
}

const BATCH = 100;
/** The orphan sweep lists the whole bucket, so it runs on every Nth pass only. */
const ORPHAN_SWEEP_EVERY = 20;
/** Replicate and fal stop retrying a delivery within a day; a week of memory covers any redelivery. */
const WEBHOOK_MEMORY_MS = 7 * 24 * 3600 * 1000;

export async function sweepOnce(
  deps: GenerationDeps,
  options: {
    orphans?: boolean;
    /** The generations whose thumbnails this sweeper could not complete, kept between passes. */
    thumbnailBackoff?: RepairBackoff;
  } = {},
): Promise<SweepReport> {
  const report: SweepReport = {
    expiredHolds: 0,
    reenqueued: 0,
    failedWithoutJob: 0,
    expiredGrants: 0,
    thumbnailsCompleted: 0,
    orphansDeleted: 0,
    tempFilesRemoved: 0,
    webhookDeliveriesForgotten: 0,
  };
  const now = deps.now();

  // 1. Holds past their timeout.
  for (;;) {
    const expired = await findOpenHoldsExpiredBefore(deps.db, now, BATCH);
    if (expired.length === 0) break;
    for (const hold of expired) {
      const [generation] = isUuid(hold.reference)
        ? await deps.db.select().from(generations).where(eq(generations.id, hold.reference))
        : [];
      if (generation && generation.holdId === hold.holdId) {
        await fail(deps, generation, 'timeout', { voidReason: 'expiry' });
        if (generation.jobId) await deps.queue.cancel(generation.jobId).catch(() => {});
      }
      // Still open (no generation, or it was already finished): void it on its own.
      await voidHold(deps.db, {
        holdId: hold.holdId,
        reason: 'expiry',
        idempotencyKey: generationLedgerKeys(hold.reference).void('expiry'),
        at: now,
      }).catch((error: unknown) => {
        if ((error as { code?: string }).code !== 'hold_resolved') throw error;
      });
      report.expiredHolds++;
    }
    if (expired.length < BATCH) break;
  }

  // 2. Unfinished generations whose job no longer exists or has ended. Every one is looked at,
  //    a page at a time (by id: only completeness matters here, not order), so a backlog of
  //    live jobs longer than a page cannot hide a lost one behind it.
  const graceMs = deps.config.jobs.pollingIntervalSeconds * 2_000 + 5_000;
  const cutoff = new Date(now.getTime() - graceMs);
  let after: string | undefined;
  for (;;) {
    const unfinished = await deps.db
      .select()
      .from(generations)
      .where(
        and(
          inArray(generations.status, ['queued', 'running']),
          lt(generations.createdAt, cutoff),
          after ? gt(generations.id, after) : undefined,
        ),
      )
      .orderBy(generations.id)
      .limit(BATCH);
    for (const generation of unfinished) {
      const state = generation.jobId ? await deps.queue.jobState(generation.jobId) : undefined;
      if (state === 'created' || state === 'retry' || state === 'active') continue;
      const [hold] = await deps.db
        .select({ status: creditHolds.status, expiresAt: creditHolds.expiresAt })
        .from(creditHolds)
        .where(eq(creditHolds.id, generation.holdId));
      const holdValid = hold?.status === 'open' && hold.expiresAt.getTime() > now.getTime();
      if (holdValid && state !== 'failed') {
        const requeued = await deps.db
          .transaction(async (tx) => {
            const jobId = await deps.queue.enqueueGeneration(tx, { generationId: generation.id });
            const updated = await tx
              .update(generations)
              .set({ jobId, status: 'queued' })
              .where(
                and(eq(generations.id, generation.id), inArray(generations.status, ['queued', 'running'])),
              )
              .returning({ id: generations.id });
            if (updated.length === 0) throw new Rollback();
            await announce(tx, { id: generation.id, userId: generation.userId, status: 'queued' });
            return true;
          })
          .catch((error: unknown) => {
            if (error instanceof Rollback) return false;
            throw error;
          });
        if (requeued) report.reenqueued++;
      } else if (await fail(deps, generation, state === 'failed' ? 'internal' : 'timeout')) {
        report.failedWithoutJob++;
      }
    }
    const last = unfinished.at(-1);
    if (!last || unfinished.length < BATCH) break;
    after = last.id;
  }

  // 3. Grants past their expiry, and thumbnails never made.
  report.expiredGrants = (await expireGrants(deps.db, now)).grants;
  report.thumbnailsCompleted = await repairThumbnails(deps, now, options.thumbnailBackoff);

  // 4. Stored objects that no row refers to, older than any run that may still commit them.
  if (options.orphans) {
    const cutoff = new Date(now.getTime() - deps.config.generation.holdTimeoutSeconds * 1000);
    const result = await sweepOrphans({
      storage: deps.storage,
      prefix: 'generations/',
      modifiedBefore: cutoff,
      knownKeys: async (keys) => {
        const rows = await deps.db
          .select({ objectKey: generationImages.objectKey, thumbKey: generationImages.thumbKey })
          .from(generationImages)
          .where(inArray(generationImages.generationId, generationIdsOf(keys)));
        return rows.flatMap((row) => (row.thumbKey ? [row.objectKey, row.thumbKey] : [row.objectKey]));
      },
    });
    // Uploads whose row is gone (a deleted account, a write whose row never committed).
    const uploadOrphans = await sweepOrphans({
      storage: deps.storage,
      prefix: 'uploads/',
      modifiedBefore: cutoff,
      knownKeys: (keys) => knownUploadKeys(deps.db, keys),
    });
    report.orphansDeleted = result.deleted + uploadOrphans.deleted;
    // A process killed between writing a file and renaming it into place leaves a
    // `.tmp-*` file that no key names, so the orphan listing never sees it (decision 013).
    if (isDiskStorage(deps.storage))
      report.tempFilesRemoved = await deps.storage.removeStaleTempFiles(cutoff);
    const forgotten = await deps.db
      .delete(providerWebhookDeliveries)
      .where(lt(providerWebhookDeliveries.receivedAt, new Date(now.getTime() - WEBHOOK_MEMORY_MS)))
      .returning({ id: providerWebhookDeliveries.deliveryId });
    report.webhookDeliveriesForgotten = forgotten.length;
  }
  return report;
}

class Rollback extends Error {}

/** `generations/<id>/<index>.<ext>` -> the generation ids named by a batch of keys. */
function generationIdsOf(keys: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const key of keys) {
    const id = key.split('/')[1];
    if (id && isUuid(id)) ids.add(id);
  }
  return ids.size > 0 ? [...ids] : ['00000000-0000-0000-0000-000000000000'];
}

export interface Sweeper {
  stop(): Promise<void>;
}

/** Runs `sweepOnce` every SWEEP_INTERVAL_SECONDS until stopped; a failing pass is logged, not fatal. */
export function startSweeper(deps: GenerationDeps): Sweeper {
  let passes = 0;
  let running: Promise<void> | undefined;
  const thumbnailBackoff = repairBackoff();
  const pass = async () => {
    try {
      const report = await sweepOnce(deps, {
        orphans: passes++ % ORPHAN_SWEEP_EVERY === 0,
        thumbnailBackoff,
      });
      const acted = Object.values(report).some((n) => n > 0);
      if (acted) deps.logger.info({ sweep: report }, 'sweeper acted');
    } catch (error) {
      deps.logger.error({ err: error }, 'sweep failed');
    }
  };
  const timer = setInterval(() => {
    if (!running) running = pass().finally(() => (running = undefined));
  }, deps.config.generation.sweepIntervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
