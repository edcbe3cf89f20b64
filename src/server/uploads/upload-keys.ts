/**
 * Where an upload's objects live: `uploads/<member folder>/<upload id>.<ext>`
 * and its thumbnail beside it as `<upload id>.thumb.webp`. Every part is
 * made by the platform; the member's file name never reaches a key
 * (reliability U5).
 *
 * The member folder is the first 128 bits of SHA-256 of the member id, in
 * hex: Better Auth's ids mix upper and lower case, and object keys are
 * lower-case only (storage/keys.ts), so the id itself cannot be the folder.
 * It keeps one member's objects under one prefix (for listing, quotas and
 * clean-up) without spelling the id out.
 */
import { createHash } from 'node:crypto';
import { assertValidKey } from '../storage/keys';

export const UPLOADS_PREFIX = 'uploads/';

export function uploadFolder(userId: string): string {
  return `${UPLOADS_PREFIX}${createHash('sha256').update(userId).digest('hex').slice(0, 32)}`;
}

/** The original's key; extension is the stored format's (png, jpg, webp). */
export function uploadObjectKey(userId: string, uploadId: string, extension: string): string {
  return assertValidKey(`${uploadFolder(userId)}/${uploadId}.${extension}`);
}

export function uploadThumbKey(userId: string, uploadId: string): string {
  return assertValidKey(`${uploadFolder(userId)}/${uploadId}.thumb.webp`);
}
