/**
 * A generation's thumbnails come right after it is reported succeeded
 * (decision 015). Its originals are stored and recorded in the finishing
 * transaction, so the member sees the result as soon as it exists; the
 * thumbnails, which only the library's grid shows, follow: made by the same
 * run from the provider's bytes, each recorded on its image row once stored.
 * Until then the row has no thumbnail and the image route serves the original
 * in its place, never cached for long.
 *
 * Three paths make them, and any two may run at once: the run itself; a
 * rerun of the job (the worker died between the commit and the thumbnails:
 * pg-boss runs the job again, and runGeneration finds the generation finished
 * and completes them); the sweeper, for images still without one after
 * REPAIR_AFTER_MS. The key is fixed by generation id and index, the row is
 * updated only while it names no thumbnail, and a thumbnail whose row is gone
 * (the generation was deleted meanwhile) is deleted again, so no path leaves
 * an object no row names (J3) or a row naming a missing object.
 */
import { and, asc, eq, isNull, lt, notInArray } from 'drizzle-orm';
import { generationImages, generations } from '../db/schema';
import { makeThumbnail } from '../images/make-thumbnail';
import { readBody } from '../storage/object-storage';
import type { GenerationDeps } from './types';

type ThumbnailDeps = Pick<GenerationDeps, 'db' | 'storage' | 'config' | 'logger'>;

/** Images the sweeper completes are at least this old: the run and a rerun of its job come first. */
export const REPAIR_AFTER_MS = 10 * 60_000;
/** How many generations one sweep completes at most. */
const REPAIR_BATCH = 20;
/** A generation the sweeper could not complete is tried again after REPAIR_AFTER_MS, then twice as long each time, up to a day. */
const REPAIR_BACKOFF_MAX_MS = 24 * 3600_000;
/** How many such generations a sweeper remembers (the ones it failed on longest ago are forgotten first). */
const REPAIR_BACKOFF_LIMIT = 1000;

export const thumbnailKey = (generationId: string, index: number) =>
  `generations/${generationId}/${index}.thumb.webp`;

export interface ThumbnailSource {
  index: number;
  /** An image's bytes: the provider's, or the stored original's. */
  bytes: Uint8Array;
}

/**
 * Makes, stores and records each image's thumbnail; returns how many it
 * recorded. Images are made at once, within open-image.ts's bound.
 */
export async function storeThumbnails(
  deps: ThumbnailDeps,
  generationId: string,
  sources: readonly ThumbnailSource[],
): Promise<number> {
  const limits = { maxPixels: deps.config.imageMaxPixels };
  const recorded = await Promise.all(
    sources.map(async ({ index, bytes }) => {
      const thumbnail = await makeThumbnail(bytes, limits);
      const key = thumbnailKey(generationId, index);
      await deps.storage.put(key, thumbnail.bytes, { contentType: 'image/webp' });
      const image = and(eq(generationImages.generationId, generationId), eq(generationImages.index, index));
      const [updated] = await deps.db
        .update(generationImages)
        .set({ thumbKey: key })
        .where(and(image, isNull(generationImages.thumbKey)))
        .returning({ id: generationImages.id });
      if (updated) return 1;
      // Recorded by another path (same key, same bytes), or the row is gone: then so must the object be.
      const [row] = await deps.db.select({ id: generationImages.id }).from(generationImages).where(image);
      if (!row) await deps.storage.delete(key);
      return 0;
    }),
  );
  return recorded.reduce<number>((sum, n) => sum + n, 0);
}

/**
 * Completes a succeeded generation's missing thumbnails from its stored
 * originals (a rerun, the sweeper). One statement when none is missing.
 * Returns how many it recorded and how many it could not make because their
 * original is missing from storage.
 */
export async function completeThumbnails(
  deps: ThumbnailDeps,
  generationId: string,
): Promise<{ recorded: number; withoutOriginal: number }> {
  const missing = await deps.db
    .select({ index: generationImages.index, objectKey: generationImages.objectKey })
    .from(generationImages)
    .innerJoin(generations, eq(generations.id, generationImages.generationId))
    .where(
      and(
        eq(generationImages.generationId, generationId),
        isNull(generationImages.thumbKey),
        eq(generations.status, 'succeeded'),
      ),
    );
  if (missing.length === 0) return { recorded: 0, withoutOriginal: 0 };
  const sources: ThumbnailSource[] = [];
  for (const image of missing) {
    const object = await deps.storage.get(image.objectKey);
    if (!object) {
      deps.logger.warn({ generationId, objectKey: image.objectKey }, 'original missing; no thumbnail made');
      continue;
    }
    sources.push({ index: image.index, bytes: await readBody(object) });
  }
  return {
    recorded: await storeThumbnails(deps, generationId, sources),
    withoutOriginal: missing.length - sources.length,
  };
}

/**
 * The generations whose thumbnails a sweeper could not complete (an original
 * missing from storage, a failing read or write) and when to try each again,
 * so that neither its log nor its batch fills with the same few every pass
 * while others wait. Kept by the sweeper of each process, in memory: after a
 * restart each is tried once more.
 */
export interface RepairBackoff {
  /** The generations not to try before `now` (ms), at most REPAIR_BACKOFF_LIMIT. */
  waiting(now: number): string[];
  /** Records a failed attempt; returns when to try again (ms). */
  failed(generationId: string, now: number): number;
  completed(generationId: string): void;
}

export function repairBackoff(): RepairBackoff {
  const retries = new Map<string, { at: number; delayMs: number }>();
  return {
    waiting: (now) => [...retries].filter(([, retry]) => retry.at > now).map(([id]) => id),
    failed(generationId, now) {
      const previous = retries.get(generationId);
      const delayMs = previous ? Math.min(previous.delayMs * 2, REPAIR_BACKOFF_MAX_MS) : REPAIR_AFTER_MS;
      // Re-inserted, so the map's order is the order of the latest failures.
      retries.delete(generationId);
      retries.set(generationId, { at: now + delayMs, delayMs });
      if (retries.size > REPAIR_BACKOFF_LIMIT) retries.delete(retries.keys().next().value!);
      return now + delayMs;
    },
    completed: (generationId) => void retries.delete(generationId),
  };
}

/**
 * The sweeper's part: generations finished before `now − REPAIR_AFTER_MS`
 * with an image still without a thumbnail, oldest first, except those
 * `backoff` holds back. Returns how many thumbnails it recorded.
 */
export async function repairThumbnails(
  deps: ThumbnailDeps,
  now: Date,
  backoff: RepairBackoff = repairBackoff(),
): Promise<number> {
  const heldBack = backoff.waiting(now.getTime());
  const stale = await deps.db
    .selectDistinct({ id: generationImages.generationId, finishedAt: generations.finishedAt })
    .from(generationImages)
    .innerJoin(generations, eq(generations.id, generationImages.generationId))
    .where(
      and(
        isNull(generationImages.thumbKey),
        lt(generations.finishedAt, new Date(now.getTime() - REPAIR_AFTER_MS)),
        heldBack.length > 0 ? notInArray(generationImages.generationId, heldBack) : undefined,
      ),
    )
    .orderBy(asc(generations.finishedAt))
    .limit(REPAIR_BATCH);
  let recorded = 0;
  for (const { id } of stale) {
    try {
      const result = await completeThumbnails(deps, id);
      recorded += result.recorded;
      if (result.withoutOriginal === 0) {
        backoff.completed(id);
        continue;
      }
      const retryAt = new Date(backoff.failed(id, now.getTime()));
      deps.logger.warn(
        { generationId: id, withoutOriginal: result.withoutOriginal, retryAt },
        'thumbnails not completed: originals missing; tried again later',
      );
    } catch (error) {
      const retryAt = new Date(backoff.failed(id, now.getTime()));
      deps.logger.warn(
        { err: error, generationId: id, retryAt },
        'thumbnails not completed; tried again later',
      );
    }
  }
  return recorded;
}
