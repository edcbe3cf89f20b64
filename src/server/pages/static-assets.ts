/**
 * Serves the client build (build/client) from memory: files are read once at
 * boot, with an ETag and gzip/brotli variants precomputed for text types.
 * Hashed files under /assets/ are immutable; the rest revalidate.
 * Prerendered HTML and .data files are not served here (see prerendered.ts).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Context } from 'hono';
import { requestHeader } from '../http/request-headers';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = /^(text\/|application\/(json|manifest)|image\/svg)/;

export interface Compressible {
  body: Uint8Array<ArrayBuffer>;
  compressible: boolean;
  /** Filled on first use and kept: boot stays fast, later hits cost nothing. */
  gzip?: Uint8Array<ArrayBuffer>;
  br?: Uint8Array<ArrayBuffer>;
}

export interface StaticFile extends Compressible {
  type: string;
  etag: string;
  cacheControl: string;
}

export function walkFiles(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) visit(full);
      else out.push(full);
    }
  };
  visit(root);
  return out;
}

export function copy(buffer: Buffer | Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(buffer.byteLength));
  out.set(buffer);
  return out;
}

export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** A file served from memory, with its ETag computed once. */
export function memoryFile(body: Buffer | Uint8Array, type: string, cacheControl: string): StaticFile {
  return {
    body: copy(body),
    // Small files gain nothing from compression.
    compressible: COMPRESSIBLE.test(type) && body.byteLength > 1024,
    type,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    cacheControl,
  };
}

export function loadStaticAssets(clientDir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const full of walkFiles(clientDir)) {
    const urlPath = `/${path.relative(clientDir, full).split(path.sep).join('/')}`;
    if (urlPath.endsWith('.html') || urlPath.endsWith('.data')) continue;
    const file = memoryFile(
      readFileSync(full),
      TYPES[path.extname(full)] ?? 'application/octet-stream',
      urlPath.startsWith('/assets/') ? IMMUTABLE : 'public, max-age=3600, must-revalidate',
    );
    files.set(urlPath, file);
  }
  return files;
}

/** Picks the smallest encoding the client accepts. */
export function negotiateEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | undefined {
  if (!acceptEncoding) return undefined;
  if (/\bbr\b/.test(acceptEncoding)) return 'br';
  if (/\bgzip\b/.test(acceptEncoding)) return 'gzip';
  return undefined;
}

/** A strong ETag names one representation, so compressed bodies get their own. */
export function etagFor(etag: string, encoding: 'br' | 'gzip' | undefined): string {
  return encoding ? `${etag.slice(0, -1)}-${encoding}"` : etag;
}

/** The body in the best encoding the client accepts, compressing (once) on first use. */
export function encodedBody(
  file: Compressible,
  acceptEncoding: string | undefined,
): { body: Uint8Array<ArrayBuffer>; encoding?: 'br' | 'gzip' } {
  const encoding = file.compressible ? negotiateEncoding(acceptEncoding) : undefined;
  if (encoding === 'br') {
    file.br ??= copy(brotliCompressSync(file.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    return { body: file.br, encoding };
  }
  if (encoding === 'gzip') {
    file.gzip ??= copy(gzipSync(file.body, { level: 9 }));
    return { body: file.gzip, encoding };
  }
  return { body: file.body };
}

export function serveStaticFile(c: Context, file: StaticFile): Response {
  const { body, encoding } = encodedBody(file, requestHeader(c, 'accept-encoding'));
  const etag = etagFor(file.etag, encoding);
  const headers: Record<string, string> = {
    'content-type': file.type,
    etag,
    'cache-control': file.cacheControl,
    vary: 'Accept-Encoding',
  };
  if (requestHeader(c, 'if-none-match') === etag) return new Response(null, { status: 304, headers });
  if (encoding) headers['content-encoding'] = encoding;
  return new Response(c.req.method === 'HEAD' ? null : body, { status: 200, headers });
}
