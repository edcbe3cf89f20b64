/**
 * The reference images of a generation, as a provider takes them: the bytes
 * of each upload the row lists, in order, with the type they were stored
 * as (checked by content at upload, never the member's claim). Called by
 * the generation job before it calls a provider.
 *
 * Uploads are read through the row's owner, so a row can only ever carry
 * its own member's images. If one is gone (deleted between submit and run,
 * or its object lost), the generation cannot be made as asked:
 * ReferenceImageMissingError says which, and the job should fail the
 * generation without retrying (a retry would find it gone again).
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uploads } from '../db/schema';
import { isUuid } from '../generations/queries';
import type { ReferenceImage } from '../providers/types';
import { readBody, type ObjectStorage } from '../storage/object-storage';

export class ReferenceImageMissingError extends Error {
  override name = 'ReferenceImageMissingError';
  /** Stable, for the job's failure code and logs. */
  readonly code = 'reference_image_missing';
  readonly uploadId: string;
  /** `row`: the upload no longer exists for this member; `object`: its stored bytes are gone. */
  readonly missing: 'row' | 'object';

  constructor(uploadId: string, missing: 'row' | 'object') {
    super(`reference image ${uploadId} is gone (${missing})`);
    this.uploadId = uploadId;
    this.missing = missing;
  }
}

export interface ReferenceImageDeps {
  db: Db;
  storage: ObjectStorage;
}

/** The generation row's fields this needs. */
export interface ReferenceImageSource {
  userId: string;
  referenceUploadIds: readonly string[];
}

export async function loadReferenceImages(
  deps: ReferenceImageDeps,
  row: ReferenceImageSource,
): Promise<ReferenceImage[]> {
  const ids = row.referenceUploadIds;
  if (ids.length === 0) return [];
  // An id that is not a UUID cannot name an upload (and would make the uuid comparison fail).
  const candidates = ids.filter(isUuid);
  const found =
    candidates.length === 0
      ? []
      : await deps.db
          .select({ id: uploads.id, objectKey: uploads.objectKey, contentType: uploads.contentType })
          .from(uploads)
          .where(and(eq(uploads.userId, row.userId), inArray(uploads.id, candidates)));
  const byId = new Map(found.map((upload) => [upload.id, upload]));
  const images: ReferenceImage[] = [];
  for (const id of ids) {
    const upload = byId.get(id);
    if (!upload) throw new ReferenceImageMissingError(id, 'row');
    const object = await deps.storage.get(upload.objectKey);
    if (!object) throw new ReferenceImageMissingError(id, 'object');
    images.push({ bytes: await readBody(object), mediaType: upload.contentType });
  }
  return images;
}
