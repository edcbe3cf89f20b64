/**
 * Cross-site request forgery guard for every state-changing request under
 * /api. A browser always sends Origin on cross-origin POSTs and
 * Sec-Fetch-Site on all modern requests; a request is refused when either
 * says it comes from another site. Requests without cookies carry no ambient
 * authority and pass (API clients, health checks). Signed webhooks are exempt.
 */
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors';
import type { AppEnv } from './context';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfGuard(options: {
  publicOrigin: string;
  exemptPrefixes: string[];
}): MiddlewareHandler<AppEnv> {
  const allowed = new URL(options.publicOrigin).origin;
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    if (options.exemptPrefixes.some((p) => c.req.path.startsWith(p))) return next();
    const origin = c.req.header('origin');
    const fetchSite = c.req.header('sec-fetch-site');
    const hasCookies = Boolean(c.req.header('cookie'));
    const requestOrigin = new URL(c.req.url).origin;
    if (origin !== undefined && origin !== allowed && origin !== requestOrigin) {
      throw new AppError('csrf_rejected');
    }
    if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
      throw new AppError('csrf_rejected');
    }
    // A cookie-bearing form post with neither header comes from an old or odd client: refuse it.
    if (hasCookies && origin === undefined && fetchSite === undefined) {
      throw new AppError('csrf_rejected');
    }
    return next();
  };
}
