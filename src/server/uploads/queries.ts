/**
 * Reading and deleting a member's uploads, always within that member's own
 * rows: another member's id answers exactly like an id that does not exist.
 *
 * Deleting while a generation still needs the image: a queued or running
 * generation that lists the upload among its references makes the delete
 * answer 409 (try again when it has finished). Finished generations keep
 * the id in `reference_upload_ids` as a record; the image itself is gone.
 * A delete racing a submit that has just checked the same upload can still
 * win; that generation then fails at its start with a typed error
 * (load-reference-images.ts) and its hold is voided, so nothing is charged.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { generations, uploads } from '../db/schema';
import { AppError } from '../errors';
import { decodeCursor, isUuid, olderThan, takePage } from '../db/keyset-page';
import type { ObjectStorage } from '../storage/object-storage';
import type { UploadRow } from './store-upload';
import { uploadThumbKey } from './upload-keys';

/** An upload as the API returns it (the pages use this type too, as `Upload`). */
export interface UploadView {
  id: string;
  /** The file's name, sanitized by the server; a label only. */
  name: string;
  contentType: string;
  width: number;
  height: number;
  bytes: number;
  url: string;
  thumbUrl: string;
  createdAt: string;
}

export function uploadUrls(id: string) {
  return { url: `/api/uploads/${id}`, thumbUrl: `/api/uploads/${id}/thumb` };
}

export function presentUpload(row: UploadRow): UploadView {
  return {
    id: row.id,
    name: row.name,
    contentType: row.contentType,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    ...uploadUrls(row.id),
    createdAt: row.createdAt.toISOString(),
  };
}

/** The member's upload, or null (also for another member's id and for ids that are not UUIDs). */
export async function findUpload(db: Db, userId: string, id: string): Promise<UploadRow | null> {
  if (!isUuid(id)) return null;
  const [row] = await db
    .select()
    .from(uploads)
    .where(and(eq(uploads.id, id), eq(uploads.userId, userId)));
  return row ?? null;
}

export async function requireUpload(db: Db, userId: string, id: string): Promise<UploadRow> {
  const row = await findUpload(db, userId, id);
  if (!row) throw new AppError('not_found');
  return row;
}

/** The member's uploads, newest first, a page at a time. */
export async function listUploads(
  db: Db,
  userId: string,
  options: { cursor?: string | undefined; limit: number },
): Promise<{ items: UploadView[]; nextCursor: string | null }> {
  const after = options.cursor ? decodeCursor(options.cursor) : undefined;
  const rows = await db
    .select()
    .from(uploads)
    .where(and(eq(uploads.userId, userId), olderThan(uploads, after)))
    .orderBy(desc(uploads.createdAt), desc(uploads.id))
    .limit(options.limit + 1);
  const { page, nextCursor } = takePage(rows, options.limit, (row) => row);
  return { items: page.map(presentUpload), nextCursor };
}

/**
 * Deletes the member's upload and its objects; 404 for anything not theirs,
 * 409 while a queued or running generation uses it. The row goes first, so
 * a crash between the two steps leaves only unreferenced objects.
 */
export async function deleteUpload(
  deps: { db: Db; storage: ObjectStorage; logger?: { warn: (obj: object, msg: string) => void } },
  userId: string,
  id: string,
): Promise<void> {
  const row = await requireUpload(deps.db, userId, id);
  const [inUse] = await deps.db
    .select({ id: generations.id })
    .from(generations)
    .where(
      and(
        eq(generations.userId, userId),
        inArray(generations.status, ['queued', 'running']),
        sql`${generations.referenceUploadIds} @> ${JSON.stringify([id])}::jsonb`,
      ),
    )
    .limit(1);
  if (inUse) {
    throw new AppError('conflict', { fields: [{ field: 'id', message: 'validation.uploadInUse' }] });
  }
  await deps.db.delete(uploads).where(and(eq(uploads.id, id), eq(uploads.userId, userId)));
  await deps.storage.deleteMany([row.objectKey, uploadThumbKey(userId, id)]).catch((error: unknown) => {
    deps.logger?.warn({ err: error, uploadId: id }, 'upload objects not deleted');
  });
}

/**
 * Of the given object keys (from a listing of `uploads/`), the ones an
 * upload row still names, as original or thumbnail: the `knownKeys` of an
 * orphan sweep over that prefix (storage/find-orphans.ts).
 */
export async function knownUploadKeys(db: Db, keys: readonly string[]): Promise<string[]> {
  const idOf = (key: string) => key.slice(key.lastIndexOf('/') + 1).split('.')[0] ?? '';
  const ids = [...new Set(keys.map(idOf).filter(isUuid))];
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: uploads.id, userId: uploads.userId, objectKey: uploads.objectKey })
    .from(uploads)
    .where(inArray(uploads.id, ids));
  const known = new Set(rows.flatMap((row) => [row.objectKey, uploadThumbKey(row.userId, row.id)]));
  return keys.filter((key) => known.has(key));
}

/**
 * Checks the reference images of a generation request: each id names one
 * of the member's own uploads, none twice. Answers the same field error for
 * an id that does not exist and for another member's, so ids cannot be
 * probed. Returns the ids in the order given.
 */
export async function assertOwnUploads(db: Db, userId: string, ids: readonly string[]): Promise<string[]> {
  const seen = new Set<string>();
  for (const [index, id] of ids.entries()) {
    const field = `referenceUploadIds.${index}`;
    if (seen.has(id.toLowerCase())) {
      throw new AppError('validation_failed', {
        fields: [{ field, message: 'validation.referenceImageDuplicate' }],
      });
    }
    seen.add(id.toLowerCase());
    if (!isUuid(id)) {
      throw new AppError('validation_failed', {
        fields: [{ field, message: 'validation.referenceImageNotFound' }],
      });
    }
  }
  if (ids.length === 0) return [];
  const normalized = ids.map((id) => id.toLowerCase());
  const found = await db
    .select({ id: uploads.id })
    .from(uploads)
    .where(and(eq(uploads.userId, userId), inArray(uploads.id, normalized)));
  const known = new Set(found.map((row) => row.id));
  const missing = normalized.findIndex((id) => !known.has(id));
  if (missing >= 0) {
    throw new AppError('validation_failed', {
      fields: [{ field: `referenceUploadIds.${missing}`, message: 'validation.referenceImageNotFound' }],
    });
  }
  return normalized;
}
