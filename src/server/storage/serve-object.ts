/**
 * Sends a stored object over HTTP from a Hono route. The route decides who
 * may see the object (the owner check) and what 404 to answer; this decides
 * how it is sent:
 *
 * - streamed from storage, never buffered whole;
 * - `ETag`, with `If-None-Match` answered 304 without opening the object;
 *   HEAD answered from the object's metadata alone;
 * - `Cache-Control: private, max-age=31536000, immutable` for keys whose
 *   bytes never change (generation outputs: the key is fixed by generation
 *   id and index, and is only read once the generation succeeded), so a
 *   browser keeps its copy for a year and shared caches keep none;
 * - user content is treated as hostile: the content type comes from a
 *   closed table (keys.ts), `nosniff` stops browsers guessing another,
 *   `Content-Security-Policy: sandbox` with `default-src 'none'` leaves
 *   nothing to run even if a browser rendered it as a document, and
 *   `Cross-Origin-Resource-Policy: same-origin` stops other sites embedding
 *   a signed-in person's images;
 * - `Content-Disposition` with a sanitized name (content-disposition.ts).
 */
import type { Context } from 'hono';
import { Readable } from 'node:stream';
import { contentDisposition, sanitizeFilename } from './content-disposition';
import { extensionForContentType } from './keys';
import type { ObjectInfo, ObjectStorage } from './object-storage';

export interface ServeObjectOptions {
  /** Name offered to the browser; default: the key's last segment. Sanitized here. */
  filename?: string;
  /** `attachment` (save) instead of `inline` (show). */
  download?: boolean;
  /**
   * True (the default) when the key's bytes never change. False sends
   * `private, no-cache`: the browser revalidates each time, by ETag.
   */
  immutable?: boolean;
}

export const IMMUTABLE_CACHE_CONTROL = 'private, max-age=31536000, immutable';
export const REVALIDATE_CACHE_CONTROL = 'private, no-cache';
export const USER_CONTENT_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'";

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored on both sides. */
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  if (ifNoneMatch.trim() === '*') return true;
  const wanted = opaque(etag);
  return ifNoneMatch.split(',').some((candidate) => opaque(candidate) === wanted);
}

function validatorHeaders(info: ObjectInfo, options: ServeObjectOptions): Record<string, string> {
  return {
    etag: info.etag,
    'cache-control': options.immutable === false ? REVALIDATE_CACHE_CONTROL : IMMUTABLE_CACHE_CONTROL,
    'x-content-type-options': 'nosniff',
    'content-security-policy': USER_CONTENT_CSP,
    'cross-origin-resource-policy': 'same-origin',
  };
}

function contentHeaders(key: string, info: ObjectInfo, options: ServeObjectOptions): Record<string, string> {
  const filename = sanitizeFilename(options.filename ?? key.slice(key.lastIndexOf('/') + 1), {
    extension: extensionForContentType(info.contentType),
  });
  return {
    ...validatorHeaders(info, options),
    'content-type': info.contentType,
    'content-length': String(info.size),
    'content-disposition': contentDisposition(options.download ? 'attachment' : 'inline', filename),
  };
}

/**
 * The response for the object at key, or null when there is none (the
 * caller answers its own 404). GET and HEAD only.
 */
export async function serveObject(
  c: Context,
  storage: ObjectStorage,
  key: string,
  options: ServeObjectOptions = {},
): Promise<Response | null> {
  const ifNoneMatch = c.req.header('if-none-match');
  if (c.req.method === 'HEAD' || ifNoneMatch !== undefined) {
    const info = await storage.head(key);
    if (!info) return null;
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, info.etag)) {
      return c.body(null, 304, validatorHeaders(info, options));
    }
    if (c.req.method === 'HEAD') return c.body(null, 200, contentHeaders(key, info, options));
  }
  const object = await storage.get(key);
  if (!object) return null;
  const body = Readable.toWeb(object.body) as ReadableStream<Uint8Array>;
  return c.body(body, 200, contentHeaders(key, object, options));
}
