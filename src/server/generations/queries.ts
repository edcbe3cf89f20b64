/**
 * Reading, listing, canceling and deleting a member's generations. Every
 * query is scoped by the owner's id: another member's generation is simply
 * not found (404), never "forbidden", so ids reveal nothing (PR-4).
 */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Locale } from '../../i18n';
import { translate } from '../../i18n/server';
import { pickLocalized } from '../catalog/public-model';
import { generationLedgerKeys, voidHold } from '../credits';
import type { Db } from '../db/client';
import { decodeCursor, isUuid, olderThan, takePage } from '../db/keyset-page';
import { generationImages, generations, models, terminalStatuses, type GenerationStatus } from '../db/schema';
import { AppError } from '../errors';
import { announce } from './events';
import { thumbnailKey } from './thumbnails';
import type { GenerationDeps } from './types';

type GenerationRow = typeof generations.$inferSelect;
type ImageRow = typeof generationImages.$inferSelect;
/** What a view shows of an image. */
type ImageFields = Pick<ImageRow, 'id' | 'index' | 'width' | 'height' | 'seed'>;

export interface GenerationView {
  id: string;
  status: GenerationStatus;
  modelId: string;
  modelName: string;
  prompt: string;
  negativePrompt: string | null;
  size: string | null;
  aspectRatio: string | null;
  resolution: string | null;
  width: number;
  height: number;
  n: number;
  seed: number | null;
  cost: number;
  charged: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  images: ImageView[];
}

export interface ImageView {
  id: string;
  index: number;
  url: string;
  thumbUrl: string;
  downloadUrl: string;
  width: number;
  height: number;
  seed: number | null;
}

export function imageUrls(imageId: string) {
  return {
    url: `/api/images/${imageId}`,
    thumbUrl: `/api/images/${imageId}/thumb`,
    downloadUrl: `/api/images/${imageId}?download=1`,
  };
}

function present(
  row: GenerationRow,
  modelName: string | null,
  images: ImageFields[],
  locale: Locale,
): GenerationView {
  const errorCode = row.status === 'canceled' ? 'canceled' : row.errorCode;
  return {
    id: row.id,
    status: row.status,
    modelId: row.modelId,
    modelName: modelName ?? row.modelId,
    prompt: row.prompt,
    negativePrompt: row.negativePrompt,
    size: row.size,
    aspectRatio: row.aspectRatio,
    resolution: row.resolution,
    width: row.width,
    height: row.height,
    n: row.n,
    seed: row.seed,
    cost: row.cost,
    charged: row.charged,
    errorCode,
    errorMessage: errorCode ? translate(locale, `generationError.${errorCode}` as never) : null,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    images: images
      .sort((a, b) => a.index - b.index)
      .map((image) => ({
        id: image.id,
        index: image.index,
        ...imageUrls(image.id),
        width: image.width,
        height: image.height,
        seed: image.seed,
      })),
  };
}

const modelNameColumns = { nameEn: models.nameEn, nameZh: models.nameZh };

async function imagesOf(db: Db, ids: string[]): Promise<Map<string, ImageRow[]>> {
  const byGeneration = new Map<string, ImageRow[]>();
  if (ids.length === 0) return byGeneration;
  const rows = await db
    .select()
    .from(generationImages)
    .where(inArray(generationImages.generationId, ids))
    .orderBy(asc(generationImages.index));
  for (const row of rows) {
    const list = byGeneration.get(row.generationId) ?? [];
    list.push(row);
    byGeneration.set(row.generationId, list);
  }
  return byGeneration;
}

/**
 * The generation's images in index order, as one JSON column of the query
 * that reads the generation: the status stream re-reads a generation on
 * every change, and the finished one is what its member waits for.
 */
const imagesColumn = sql<ImageFields[]>`coalesce((
  select json_agg(json_build_object('id', i.id, 'index', i.index, 'width', i.width, 'height', i.height, 'seed', i.seed) order by i.index)
  from ${generationImages} i where i.generation_id = ${generations.id}
), '[]'::json)`;

export async function getGeneration(
  db: Db,
  userId: string,
  id: string,
  locale: Locale,
): Promise<GenerationView | undefined> {
  if (!isUuid(id)) return undefined;
  const [found] = await db
    .select({ row: generations, ...modelNameColumns, images: imagesColumn })
    .from(generations)
    .leftJoin(models, eq(models.id, generations.modelId))
    .where(and(eq(generations.id, id), eq(generations.userId, userId)));
  if (!found) return undefined;
  return present(
    found.row,
    found.nameEn ? pickLocalized(locale, found.nameEn, found.nameZh) : null,
    found.images,
    locale,
  );
}

export async function requireGeneration(db: Db, userId: string, id: string, locale: Locale) {
  const view = await getGeneration(db, userId, id, locale);
  if (!view) throw new AppError('not_found');
  return view;
}

/** Newest first, a page at a time (keyset-page.ts). */
export async function listGenerations(
  db: Db,
  userId: string,
  options: { cursor?: string | undefined; limit: number; locale: Locale },
): Promise<{ items: GenerationView[]; nextCursor: string | null }> {
  const after = options.cursor ? decodeCursor(options.cursor) : undefined;
  const rows = await db
    .select({ row: generations, ...modelNameColumns })
    .from(generations)
    .leftJoin(models, eq(models.id, generations.modelId))
    .where(and(eq(generations.userId, userId), olderThan(generations, after)))
    .orderBy(desc(generations.createdAt), desc(generations.id))
    .limit(options.limit + 1);
  const { page, nextCursor } = takePage(rows, options.limit, (r) => r.row);
  const images = await imagesOf(
    db,
    page.map((r) => r.row.id),
  );
  return {
    items: page.map((r) =>
      present(
        r.row,
        r.nameEn ? pickLocalized(options.locale, r.nameEn, r.nameZh) : null,
        images.get(r.row.id) ?? [],
        options.locale,
      ),
    ),
    nextCursor,
  };
}

/**
 * Cancels a queued or running generation: marks it canceled and voids its
 * hold in one transaction (the credits come back at once), then cancels the
 * job. A worker still running it notices (the cancel is announced) and
 * aborts; if it finishes anyway, its settle is refused and its images are
 * discarded. A finished generation cannot be canceled (409).
 */
export async function cancelGeneration(deps: GenerationDeps, userId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw new AppError('not_found');
  const now = deps.now();
  const jobId = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(generations)
      .where(and(eq(generations.id, id), eq(generations.userId, userId)))
      .for('update');
    if (!row) throw new AppError('not_found');
    if ((terminalStatuses as readonly string[]).includes(row.status)) throw new AppError('conflict');
    await voidHold(tx, {
      holdId: row.holdId,
      reason: 'cancel',
      idempotencyKey: generationLedgerKeys(id).void('cancel'),
      at: now,
    });
    await tx
      .update(generations)
      .set({ status: 'canceled', errorCode: 'canceled', charged: 0, finishedAt: now })
      .where(eq(generations.id, id));
    await announce(tx, { id, userId, status: 'canceled' });
    return row.jobId;
  });
  if (jobId) await deps.queue.cancel(jobId).catch(() => {});
}

/**
 * Deletes a finished generation and its stored images. Unfinished ones must
 * be canceled first (their hold is still open). The row goes first: a crash
 * between the two steps leaves only orphaned objects, which the orphan sweep
 * removes, never a row pointing at missing images.
 */
export async function deleteGeneration(deps: GenerationDeps, userId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw new AppError('not_found');
  const keys = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ status: generations.status })
      .from(generations)
      .where(and(eq(generations.id, id), eq(generations.userId, userId)))
      .for('update');
    if (!row) throw new AppError('not_found');
    if (!(terminalStatuses as readonly string[]).includes(row.status)) throw new AppError('conflict');
    const images = await tx
      .select({ objectKey: generationImages.objectKey, index: generationImages.index })
      .from(generationImages)
      .where(eq(generationImages.generationId, id));
    await tx.delete(generations).where(eq(generations.id, id));
    // The thumbnail's key whether or not it is recorded yet: one being made now is deleted
    // here or, when it lands after this, by its maker (thumbnails.ts).
    return images.flatMap((image) => [image.objectKey, thumbnailKey(id, image.index)]);
  });
  if (keys.length > 0) {
    await deps.storage.deleteMany(keys).catch((error: unknown) => {
      deps.logger.warn({ err: error, generationId: id }, 'stored images not deleted; the orphan sweep will');
    });
  }
}

/** Where the routes and other domains have long imported it from. */
export { isUuid };
