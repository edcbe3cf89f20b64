/**
 * The label kept with an upload: the member's file name (or the last
 * segment of an image URL), made harmless by the same rules as download
 * names (storage/content-disposition.ts): no folders, no control, bidi
 * override or zero-width characters, Windows-reserved characters and device
 * names (`CON`) neutralized, at most 100 characters. It is shown to the
 * member and offered as a download name, and never used as a key or path.
 */
import { sanitizeFilename } from '../storage/content-disposition';

/* Longer input is cut before cleaning, so a megabyte of name costs nothing; the label keeps 100. */
const MAX_INPUT_LENGTH = 1_000;
export const DEFAULT_UPLOAD_LABEL = 'image';

export function uploadLabel(name: string | null | undefined): string {
  return sanitizeFilename((name ?? '').slice(0, MAX_INPUT_LENGTH), { fallback: DEFAULT_UPLOAD_LABEL });
}

/** The label for an image fetched from a URL: its last path segment, decoded when it can be. */
export function labelFromUrl(url: string): string {
  let segment = '';
  try {
    const path = new URL(url).pathname;
    segment = path.slice(path.lastIndexOf('/') + 1);
    segment = decodeURIComponent(segment);
  } catch {
    // A malformed escape: keep the raw segment, which sanitizing makes safe anyway.
  }
  return uploadLabel(segment);
}
