/**
 * Object keys: the only names storage knows. Keys are made by the platform
 * (e.g. `generations/<id>/0.png`), never taken from people, so the rules are
 * strict enough that a key is safe as a relative file path on any disk and as
 * an S3 key without escaping. The content type of an object follows from its
 * key's extension through a closed table, so nothing is ever stored or served
 * as HTML, SVG or script.
 */

/** Thrown for a malformed key or prefix: always a bug in the caller, never user input. */
export class InvalidObjectKeyError extends Error {
  override name = 'InvalidObjectKeyError';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`Invalid object key ${JSON.stringify(key.slice(0, 300))}: ${reason}`);
  }
}

/*
 * 256 characters in all and 100 per segment: far below S3's 1,024-byte key
 * limit and the 255-byte file-name limit of common filesystems, and ample for
 * `<area>/<uuid>/<index>.<ext>` keys.
 */
export const MAX_KEY_LENGTH = 256;
export const MAX_SEGMENT_LENGTH = 100;

/*
 * Lower-case ASCII letters, digits, `_`, `-` and `.`; a segment never starts
 * with a dot, which rules out `.` and `..`, hidden files, and the disk
 * driver's `.tmp-*` files (so a key can never name one of them).
 */
const SEGMENT = /^[a-z0-9_-][a-z0-9._-]*$/;

function checkSegments(value: string, segments: string[]): void {
  for (const segment of segments) {
    if (segment === '') throw new InvalidObjectKeyError(value, 'empty segment');
    if (segment.length > MAX_SEGMENT_LENGTH) throw new InvalidObjectKeyError(value, 'segment too long');
    if (!SEGMENT.test(segment)) throw new InvalidObjectKeyError(value, 'characters outside [a-z0-9._-]');
  }
}

/** Returns the key when it is valid, otherwise throws InvalidObjectKeyError. */
export function assertValidKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidObjectKeyError(String(key), 'empty');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidObjectKeyError(key, 'too long');
  checkSegments(key, key.split('/'));
  return key;
}

/**
 * A list prefix: empty (everything), or the start of a key. It may end with
 * `/` (a folder) or in the middle of a segment (`generations/ab`).
 */
export function assertValidPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  if (prefix.length > MAX_KEY_LENGTH) throw new InvalidObjectKeyError(prefix, 'too long');
  const segments = prefix.split('/');
  // A trailing slash leaves one empty last segment, which is allowed here.
  if (segments[segments.length - 1] === '') segments.pop();
  checkSegments(prefix, segments);
  return prefix;
}

export function isValidKey(key: string): boolean {
  try {
    assertValidKey(key);
    return true;
  } catch {
    return false;
  }
}

/*
 * The closed table of stored types. Adding a kind of object means adding a
 * line here; an unknown extension is stored and served as opaque bytes.
 */
const contentTypes: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

export const OPAQUE_CONTENT_TYPE = 'application/octet-stream';

/** The content type an object with this key is stored and served with. */
export function contentTypeForKey(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot < 0) return OPAQUE_CONTENT_TYPE;
  return contentTypes[name.slice(dot + 1)] ?? OPAQUE_CONTENT_TYPE;
}

/** The usual file extension (without dot) of a stored content type, if it has one. */
export function extensionForContentType(contentType: string): string | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'image/jpeg') return 'jpg';
  return Object.keys(contentTypes).find((ext) => contentTypes[ext] === type);
}

/**
 * A put names the content type it means to store; it must be the one the key
 * implies, so both drivers (disk derives it, S3 stores it) always agree.
 */
export function assertContentTypeMatchesKey(key: string, contentType: string): void {
  const expected = contentTypeForKey(key);
  if (contentType !== expected) {
    throw new InvalidObjectKeyError(key, `content type ${contentType} does not match the key (${expected})`);
  }
}
