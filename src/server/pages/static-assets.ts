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

/** What a response from memory depends on in its request. */
export interface MemoryRequest {
  head: boolean;
  acceptEncoding: string | undefined;
  ifNoneMatch: string | undefined;
}

/** A response from memory, as plain parts (a Response, or written by Node directly). */
export interface MemoryResponse {
  status: 200 | 304;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | null;
}

export function memoryRequest(c: Context): MemoryRequest {
  return {
    head: c.req.method === 'HEAD',
    acceptEncoding: requestHeader(c, 'accept-encoding'),
    ifNoneMatch: requestHeader(c, 'if-none-match'),
  };
}

/** `file` in the best encoding the request accepts, or 304 when it already has it. */
export function compressibleResponse(
  file: Compressible & { etag: string },
  request: MemoryRequest,
  headers: Record<string, string>,
): MemoryResponse {
  const { body, encoding } = encodedBody(file, request.acceptEncoding);
  const etag = etagFor(file.etag, encoding);
  const all: Record<string, string> = { ...headers, etag };
  if (request.ifNoneMatch === etag) return { status: 304, headers: all, body: null };
  if (encoding) all['content-encoding'] = encoding;
  return { status: 200, headers: all, body: request.head ? null : body };
}

export function staticFileResponse(file: StaticFile, request: MemoryRequest): MemoryResponse {
  return compressibleResponse(file, request, {
    'content-type': file.type,
    'cache-control': file.cacheControl,
    vary: 'Accept-Encoding',
  });
}

export function toResponse({ status, headers, body }: MemoryResponse): Response {
  return new Response(body, { status, headers });
}

export function serveStaticFile(c: Context, file: StaticFile): Response {
  return toResponse(staticFileResponse(file, memoryRequest(c)));
}
