/**
 * Security headers. Every response gets the short defaults below; pages add
 * the document headers and their own CSP: with a nonce for React Router's
 * inline scripts when rendered per request (pages/handler.ts), with hashes
 * of their scripts when prerendered (pages/prerendered.ts), so their bytes
 * can be cached and precompressed.
 */
import { randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context';

export function contentSecurityPolicy(options: {
  scriptSources: string[];
  https: boolean;
  dev: boolean;
}): string {
  const directives = [
    "default-src 'self'",
    // Dev only: Vite's HMR client and React Refresh need inline/eval.
    `script-src 'self' ${options.dev ? "'unsafe-inline' 'unsafe-eval'" : options.scriptSources.join(' ')}`.trim(),
    // Inline style attributes (positioning, transitions) are low-risk; scripts are what CSP guards.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${options.dev ? ' ws: wss:' : ''}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ];
  if (options.https) directives.push('upgrade-insecure-requests');
  return directives.join('; ');
}

/**
 * Headers for documents (HTML pages): everything a browser applies to a page.
 * Set by the pages handler together with the page's own CSP.
 */
export function documentSecurityHeaders(https: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  };
  if (https) headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  return headers;
}

/**
 * Headers for everything else (JSON, assets, redirects): nothing there may run
 * or embed anything, so the policy is "none" (OWASP REST guidance) and short,
 * which matters on cheap responses where header bytes dominate.
 */
export function defaultSecurityHeaders(options: { https: boolean }): Record<string, string> {
  const headers: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy':
      "default-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  };
  if (options.https) headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  return headers;
}

/*
 * Nonces come from a pool of random bytes refilled 4 KiB at a time: one
 * randomBytes() call per page would cost more than the rest of a cheap request.
 */
const POOL_SIZE = 4096;
const NONCE_BYTES = 16; // 128 bits, the CSP spec's minimum
let pool = randomBytes(POOL_SIZE);
let offset = 0;

export function createNonce(): string {
  if (offset + NONCE_BYTES > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const nonce = pool.toString('base64', offset, offset + NONCE_BYTES);
  offset += NONCE_BYTES;
  return nonce;
}

/**
 * Behind the Node server (production and the dev server) the defaults are
 * added where the response head is written (http/cookie-guard.ts,
 * guardedResponseClass), the app's own headers taking precedence, at a
 * fraction of the cost of editing a fetch Headers object per response, and
 * this middleware is not installed (createApp's guardedByNode). In-process
 * (tests, other runtimes) it adds them instead.
 */
export function securityHeaders(options: { https: boolean }): MiddlewareHandler<AppEnv> {
  const fixed = Object.entries(defaultSecurityHeaders(options));
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    for (const [name, value] of fixed) if (!headers.has(name)) headers.set(name, value);
  };
}
