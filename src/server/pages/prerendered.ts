/**
 * Prerendered pages (marketing and legal, per language), served from memory.
 *
 * Each page is loaded once at boot in three theme variants (system, light,
 * dark), each with an ETag and gzip/brotli bodies, so the right theme class
 * is in the first HTML without rendering anything per request. Inline
 * scripts are allowed by their SHA-256 hashes in the CSP, since a static page
 * cannot carry a per-request nonce.
 *
 * A request carrying a session cookie is rendered per request instead, so a
 * signed-in member sees their own header.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'hono';
import { themes, type Theme } from '../../shared/theme';
import { contentSecurityPolicy, documentSecurityHeaders } from '../http/security-headers';
import {
  compressibleResponse,
  copy,
  memoryRequest,
  toResponse,
  type Compressible,
  type MemoryRequest,
  type MemoryResponse,
} from './static-assets';

interface Variant extends Compressible {
  etag: string;
}

export interface PrerenderedPage {
  variants: Record<Theme, Variant>;
  /** Document security headers with this page's CSP (script hashes). */
  securityHeaders: Record<string, string>;
}

const SYSTEM_MARKER = 'data-theme="system"';

export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const [, attributes = '', content = ''] = match;
    if (/\bsrc=/.test(attributes) || content.length === 0) continue;
    hashes.add(`'sha256-${createHash('sha256').update(content).digest('base64')}'`);
  }
  return [...hashes];
}

export function themedHtml(html: string, theme: Theme): string {
  if (theme === 'system') return html;
  return html.replace(SYSTEM_MARKER, `data-theme="${theme}" class="${theme}"`);
}

export function loadPrerenderedPages(options: {
  clientDir: string;
  paths: readonly string[];
  https: boolean;
}): Map<string, PrerenderedPage> {
  const pages = new Map<string, PrerenderedPage>();
  for (const urlPath of options.paths) {
    const file = path.join(options.clientDir, urlPath, 'index.html');
    if (!existsSync(file)) continue;
    const html = readFileSync(file, 'utf8');
    if (!html.includes(SYSTEM_MARKER)) {
      throw new Error(`prerendered page ${urlPath} lacks the theme marker`);
    }
    const variants = Object.fromEntries(
      themes.map((theme) => {
        const body = Buffer.from(themedHtml(html, theme));
        const variant: Variant = {
          body: copy(body),
          compressible: true,
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        };
        return [theme, variant];
      }),
    ) as Record<Theme, Variant>;
    pages.set(urlPath, {
      variants,
      securityHeaders: {
        ...documentSecurityHeaders(options.https),
        'content-security-policy': contentSecurityPolicy({
          scriptSources: inlineScriptHashes(html),
          https: options.https,
          dev: false,
        }),
      },
    });
  }
  return pages;
}

export function prerenderedResponse(
  page: PrerenderedPage,
  theme: Theme,
  request: MemoryRequest,
): MemoryResponse {
  return compressibleResponse(page.variants[theme], request, {
    'content-type': 'text/html; charset=utf-8',
    // Revalidate every time: cheap (ETag), and a new deploy shows at once.
    'cache-control': 'public, max-age=0, must-revalidate',
    vary: 'Accept-Encoding, Cookie',
    ...page.securityHeaders,
  });
}

export function servePrerendered(c: Context, page: PrerenderedPage, theme: Theme): Response {
  return toResponse(prerenderedResponse(page, theme, memoryRequest(c)));
}
