/**
 * How a run ends (architecture: "A generation, end to end", step 4): the
 * provider's images stored, then the generation finished in ONE transaction
 * with its hold, settled on success (succeed) or voided on failure (fail).
 * Both lock the generation's row first and write nothing when it is already
 * finished, so a cancel, a sweep and a late worker cannot both win.
 */
import { eq } from 'drizzle-orm';
import type { CatalogRoute } from '../catalog/list-models';
import { generationLedgerKeys, settleHold, voidHold } from '../credits';
import { creditHolds, generationImages, generations, type GenerationAttempt } from '../db/schema';
import { makeThumbnail } from '../images/make-thumbnail';
import { processImage } from '../images/process-image';
import type { ProviderErrorCode } from '../providers/errors';
import type { GeneratedImage } from '../providers/types';
import { announcedColumn } from './events';
import type { GenerationDeps } from './types';

/**
 * Why a run ended without images. `invalid_output`: the provider's bytes
 * were not a usable image; `reference_missing`: a reference image was
 * deleted (or lost) between the submit and the run.
 */
export type FailureCode = ProviderErrorCode | 'invalid_output' | 'reference_missing' | 'internal';

type Row = typeof generations.$inferSelect;

export interface StoredImage {
  index: number;
  objectKey: string;
  thumbKey: string;
  contentType: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  seed: number | null;
}

export class InvalidOutput extends Error {
  override name = 'InvalidOutput';
}

/*
 * Object keys derive from the generation and the image's index: a rerun
 * overwrites, never duplicates. The original keeps its format's extension.
 */
const originalKey = (generationId: string, index: number, extension: string) =>
  `generations/${generationId}/${index}.${extension}`;
const thumbnailKey = (generationId: string, index: number) =>
  `generations/${generationId}/${index}.thumb.webp`;

/**
 * Every image's original and thumbnail are made at the same time, both from
 * the provider's bytes (each checks them the same way; the thumbnail turns
 * the image upright, converts it to sRGB and drops metadata itself, so it
 * equals a thumbnail of the original), and each is written as soon as it is
 * made: the original's write overlaps the thumbnail's encoding. How many
 * encode at once is bounded by open-image.ts. A run that fails halfway may
 * leave objects no row refers to; the sweeper deletes those (J3).
 */
export async function storeImages(
  deps: GenerationDeps,
  row: Row,
  images: GeneratedImage[],
): Promise<StoredImage[]> {
  const limits = { maxPixels: deps.config.imageMaxPixels };
  const encoded = async <T>(index: number, encoding: Promise<T>): Promise<T> => {
    try {
      return await encoding;
    } catch (error) {
      throw new InvalidOutput(`image ${index}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  };
  return Promise.all(
    images.map(async (image, index): Promise<StoredImage> => {
      const [original, thumbKey] = await Promise.all([
        encoded(index, processImage(image.bytes, { ...limits, keepPlainPng: true })).then(
          async (processed) => {
            const objectKey = originalKey(row.id, index, processed.extension);
            await deps.storage.put(objectKey, processed.bytes, { contentType: processed.contentType });
            return { processed, objectKey };
          },
        ),
        encoded(index, makeThumbnail(image.bytes, limits)).then(async (thumb) => {
          const thumbKey = thumbnailKey(row.id, index);
          await deps.storage.put(thumbKey, thumb.bytes, { contentType: 'image/webp' });
          return thumbKey;
        }),
      ]);
      const { processed, objectKey } = original;
      return {
        index,
        objectKey,
        thumbKey,
        contentType: processed.contentType,
        width: processed.width,
        height: processed.height,
        bytes: processed.byteSize,
        sha256: processed.sha256,
        seed: image.seed ?? (row.seed !== null ? row.seed + index : null),
      };
    }),
  );
}

/**
 * Records the images, settles the hold (the price of the images delivered)
 * and marks the generation succeeded, together. Returns false when the
 * generation was already finished (canceled, or failed by the sweeper): its
 * hold is resolved, so nothing is written.
 */
export async function succeed(
  deps: GenerationDeps,
  row: Row,
  stored: StoredImage[],
  outcome: { route: CatalogRoute; attempts: GenerationAttempt[] },
): Promise<boolean> {
  const now = deps.now();
  const charge = Math.round((row.cost / row.n) * stored.length);
  return deps.db.transaction(async (tx) => {
    if ((await lockUnfinished(tx, row)) !== 'open') return false;
    await settleHold(tx, {
      holdId: row.holdId,
      amount: charge,
      idempotencyKey: generationLedgerKeys(row.id).settle,
      at: now,
    });
    await tx
      .insert(generationImages)
      .values(stored.map((image) => ({ ...image, generationId: row.id, userId: row.userId })))
      .onConflictDoNothing();
    await tx
      .update(generations)
      .set({
        status: 'succeeded',
        charged: charge,
        servedBy: `${outcome.route.provider.id}:${outcome.route.providerModelId}`,
        attempts: outcome.attempts,
        errorCode: null,
        finishedAt: now,
      })
      .where(eq(generations.id, row.id))
      .returning({ announced: announcedColumn('succeeded') });
    return true;
  });
}

/**
 * Locks the generation's row for the finishing transaction and says where
 * things stand: `finished` (canceled, swept or done: write nothing), else
 * whether its hold is still open.
 */
async function lockUnfinished(
  tx: Parameters<Parameters<GenerationDeps['db']['transaction']>[0]>[0],
  row: Pick<Row, 'id' | 'holdId'>,
): Promise<'finished' | 'open' | 'resolved'> {
  // Only the generation's row is locked; the hold is read as committed (the ledger locks it).
  const [current] = await tx
    .select({ status: generations.status, hold: creditHolds.status })
    .from(generations)
    .leftJoin(creditHolds, eq(creditHolds.id, row.holdId))
    .where(eq(generations.id, row.id))
    .for('update', { of: generations });
  if (!current || (current.status !== 'queued' && current.status !== 'running')) return 'finished';
  return current.hold === 'open' ? 'open' : 'resolved';
}

/** Marks the generation failed with a typed code and voids its hold, together. */
export async function fail(
  deps: GenerationDeps,
  row: Pick<Row, 'id' | 'userId' | 'holdId'>,
  code: FailureCode,
  options: { attempts?: GenerationAttempt[]; voidReason?: 'failure' | 'expiry' } = {},
): Promise<boolean> {
  const { attempts, voidReason = 'failure' } = options;
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const hold = await lockUnfinished(tx, row);
    if (hold === 'finished') return false;
    if (hold === 'open') {
      await voidHold(tx, {
        holdId: row.holdId,
        reason: voidReason,
        idempotencyKey: generationLedgerKeys(row.id).void(voidReason),
        at: now,
      });
    }
    await tx
      .update(generations)
      .set({
        status: 'failed',
        errorCode: code,
        charged: 0,
        finishedAt: now,
        ...(attempts ? { attempts } : {}),
      })
      .where(eq(generations.id, row.id))
      .returning({ announced: announcedColumn('failed') });
    return true;
  });
}
