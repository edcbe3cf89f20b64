/**
 * Download names. A name shown to people may come from them (a prompt, an
 * upload's original name), so before it goes into Content-Disposition it is
 * made safe to save on any system: no folders, no control or bidirectional
 * override characters (which can disguise `photo‮gnp.exe` as
 * `photoexe.png`), no Windows-reserved characters or device names, a bounded
 * length, and the extension of the type actually served, so a PNG can never
 * be saved as `.html` and opened as a page.
 */

/* 100 characters fit every common filesystem's 255-byte limit even in 4-byte UTF-8, with room to spare. */
export const MAX_FILENAME_LENGTH = 100;

/*
 * Controls, format characters (bidi overrides and isolates, zero-width
 * characters, the BOM), lone surrogates, private-use, unassigned code points
 * and line/paragraph separators.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;
/* Characters Windows refuses in file names (`/` and `\` are handled as folders first). */
const WINDOWS_RESERVED_CHARS = /[<>:"|?*]/g;
/* Device names Windows treats specially with any extension: CON, CON.png, com1.txt… */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;

function splitExtension(name: string): [base: string, extension: string] {
  const dot = name.lastIndexOf('.');
  // A leading dot is not an extension; nor is anything long or odd after the last dot.
  if (dot <= 0 || !/^[A-Za-z0-9]{1,10}$/.test(name.slice(dot + 1))) return [name, ''];
  return [name.slice(0, dot), name.slice(dot + 1)];
}

function sameExtension(a: string, b: string): boolean {
  const normal = (ext: string) => (ext.toLowerCase() === 'jpeg' ? 'jpg' : ext.toLowerCase());
  return normal(a) === normal(b);
}

function trimEnds(text: string): string {
  return text.replace(/^[\s.]+|[\s.]+$/g, '');
}

export interface FilenameOptions {
  /** Extension (without dot) of the content served; appended when the name has another. */
  extension?: string | undefined;
  /** Base name when nothing usable is left; default `image`. */
  fallback?: string;
}

/** A name that is safe to offer as a download on any system. */
export function sanitizeFilename(name: string, options: FilenameOptions = {}): string {
  const fallback = options.fallback ?? 'image';
  let clean = name.normalize('NFC');
  clean = clean.split(/[/\\]/).pop() ?? '';
  clean = clean.replace(INVISIBLE, '').replace(WINDOWS_RESERVED_CHARS, '_');
  clean = clean.replace(/\s+/gu, ' ');
  clean = trimEnds(clean);

  let [base, extension] = splitExtension(clean);
  if (options.extension && !sameExtension(extension, options.extension)) {
    // Keep what looked like an extension as part of the name: `report.html` → `report.html.png`.
    base = clean;
    extension = options.extension;
  }
  base = trimEnds(base);
  const room = MAX_FILENAME_LENGTH - (extension ? extension.length + 1 : 0);
  base = trimEnds([...base].slice(0, room).join('')); // by code point, never halving a character
  if (base === '') base = fallback;
  if (WINDOWS_DEVICE.test(base.split('.')[0]!)) base = `_${base}`;
  return extension ? `${base}.${extension}` : base;
}

/**
 * The plain-ASCII `filename=` for old clients: other characters become `_`,
 * and `%` too, which some clients would decode.
 */
function asciiFallback(filename: string, fallback: string): string {
  const [base, extension] = splitExtension(filename);
  let ascii = base.replace(/[^\x20-\x7e]+/g, '_').replace(/[%"\\]/g, '_');
  if (!/[A-Za-z0-9]/.test(ascii)) ascii = fallback;
  return extension ? `${ascii}.${extension}` : ascii;
}

/* RFC 8187 (was 5987) value characters; encodeURIComponent leaves `'()*` bare, which the grammar does not allow. */
function encodeExtValue(text: string): string {
  return encodeURIComponent(text).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * `inline` or `attachment` with both name forms: `filename="…"` (ASCII) for
 * old clients and `filename*=UTF-8''…` for the rest (RFC 6266). The name
 * must already be sanitized.
 */
export function contentDisposition(
  disposition: 'inline' | 'attachment',
  filename: string,
  fallback = 'image',
): string {
  return `${disposition}; filename="${asciiFallback(filename, fallback)}"; filename*=UTF-8''${encodeExtValue(filename)}`;
}
