/**
 * Storing a member's upload: the bytes are checked by content and
 * re-encoded (processImage: magic numbers, the pixel cap before decoding,
 * no animation, EXIF orientation applied, every metadata block dropped;
 * reliability U1, U3, U4), a WebP thumbnail is made from the same input at
 * the same time, both are stored under keys the platform makes (U5), then
 * the row is inserted. The objects go first: a crash in between leaves
 * objects no row names (harmless, and findable under `uploads/`), never a
 * row without its image.
 */
import { randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import type { Config } from '../config';
import type { Db } from '../db/client';
import { uploads } from '../db/schema';
import { AppError } from '../errors';
import { makeThumbnail } from '../images/make-thumbnail';
import { processImage } from '../images/process-image';
import type { ObjectStorage } from '../storage/object-storage';
import { uploadObjectKey, uploadThumbKey } from './upload-keys';
import { uploadLabel } from './upload-name';

export interface UploadDeps {
  db: Db;
  storage: ObjectStorage;
  config: Config;
  now: () => Date;
}

export type UploadRow = typeof uploads.$inferSelect;

/**
 * Refuses when the member already keeps the most uploads allowed. A soft
 * cap: two uploads finishing at the same moment may both pass, which
 * overshoots by a file or two and harms no one.
 */
export async function assertUploadRoom(db: Db, userId: string, maxPerMember: number): Promise<void> {
  const [row] = await db.select({ kept: count() }).from(uploads).where(eq(uploads.userId, userId));
  if ((row?.kept ?? 0) >= maxPerMember) {
    throw new AppError('conflict', {
      fields: [{ field: 'file', message: 'validation.uploadLimitReached', vars: { max: maxPerMember } }],
    });
  }
}

export async function storeUpload(
  deps: UploadDeps,
  input: { userId: string; bytes: Uint8Array; name?: string | null | undefined },
): Promise<UploadRow> {
  const limits = { maxPixels: deps.config.imageMaxPixels };
  // Both validate the input in full; the first refusal wins and the other's is handled by Promise.all.
  const [original, thumbnail] = await Promise.all([
    processImage(input.bytes, limits),
    makeThumbnail(input.bytes, limits),
  ]);
  const id = randomUUID();
  const objectKey = uploadObjectKey(input.userId, id, original.extension);
  const thumbKey = uploadThumbKey(input.userId, id);
  await Promise.all([
    deps.storage.put(objectKey, original.bytes, { contentType: original.contentType }),
    deps.storage.put(thumbKey, thumbnail.bytes, { contentType: thumbnail.contentType }),
  ]);
  try {
    const [row] = await deps.db
      .insert(uploads)
      .values({
        id,
        userId: input.userId,
        objectKey,
        contentType: original.contentType,
        width: original.width,
        height: original.height,
        bytes: original.byteSize,
        sha256: original.sha256,
        name: uploadLabel(input.name),
        createdAt: deps.now(),
      })
      .returning();
    return row!;
  } catch (error) {
    await deps.storage.deleteMany([objectKey, thumbKey]).catch(() => {});
    throw error;
  }
}
