/**
 * How a run ends (architecture: "A generation, end to end", step 4): the
 * provider's images stored, then the generation finished in ONE transaction
 * with its hold, settled on success (succeed) or voided on failure (fail);
 * after a success, the thumbnails (thumbnails.ts).
 * Both lock the generation's row first and write nothing when it is already
 * finished, so a cancel, a sweep and a late worker cannot both win.
 */
import { eq } from 'drizzle-orm';
import type { CatalogRoute } from '../catalog/list-models';
import { generationLedgerKeys, settleHold, voidHold } from '../credits';
import { creditHolds, generationImages, generations, type GenerationAttempt } from '../db/schema';
import { isPlainPng, processImage } from '../images/process-image';
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
 * overwrites, never duplicates. The original keeps its format's extension;
 * the thumbnail's key is thumbnails.ts's.
 */
const originalKey = (generationId: string, index: number, extension: string) =>
  `generations/${generationId}/${index}.${extension}`;

/**
 * Every image's original is checked (re-encoded unless it is a plain PNG:
 * process-image.ts) and written, all at once; how many decode at once is
 * bounded by open-image.ts. A plain PNG is stored as it came, so its bytes
 * are known before its pixels are checked: its write runs alongside the
 * check and is undone when the check fails. Thumbnails come after the
 * generation is reported succeeded (thumbnails.ts). A run that fails
 * halfway may leave objects no row refers to; the sweeper deletes those (J3).
 */
export async function storeImages(
  deps: GenerationDeps,
  row: Row,
  images: GeneratedImage[],
): Promise<StoredImage[]> {
  const limits = { maxPixels: deps.config.imageMaxPixels };
  return Promise.all(
    images.map(async (image, index): Promise<StoredImage> => {
      const early = isPlainPng(image.bytes) ? originalKey(row.id, index, 'png') : undefined;
      const writing = early && deps.storage.put(early, image.bytes, { contentType: 'image/png' });
      const undoEarly = async () => {
        if (!early || !writing) return;
        await writing.catch(() => {});
        await deps.storage.delete(early);
      };
      let processed: Awaited<ReturnType<typeof processImage>>;
      try {
        processed = await processImage(image.bytes, { ...limits, keepPlainPng: true });
      } catch (error) {
        await undoEarly();
        throw new InvalidOutput(`image ${index}: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
      const objectKey = originalKey(row.id, index, processed.extension);
      if (writing && objectKey === early && processed.bytes.equals(image.bytes)) {
        await writing;
      } else {
        await undoEarly();
        await deps.storage.put(objectKey, processed.bytes, { contentType: processed.contentType });
      }
      return {
        index,
        objectKey,
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
