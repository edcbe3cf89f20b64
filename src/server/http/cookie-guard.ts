/**
 * Enforces the cookie registry on every response: a Set-Cookie for a name the
 * registry does not declare is removed, and so is one of an optional category
 * the visitor has not consented to. Deleting a declared cookie is always
 * allowed (that is how consent is withdrawn). Violations are logged as errors
 * so tests catch them.
 */
import type { MiddlewareHandler } from 'hono';
import { requestLog } from './request-log';
import { allows } from '../../shared/consent';
import { findRegistryEntry } from '../../shared/cookie-registry';
import type { AppEnv } from './context';

function isDeletion(setCookie: string): boolean {
  return /;\s*max-age=0\b/i.test(setCookie) || /;\s*expires=Thu, 01 Jan 1970/i.test(setCookie);
}

export function cookieGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const setCookies = c.res.headers.getSetCookie();
    if (setCookies.length === 0) return;
    const kept: string[] = [];
    for (const header of setCookies) {
      const name = header.slice(0, header.indexOf('=')).trim();
      const entry = findRegistryEntry('cookie', name);
      if (!entry && isDeletion(header)) {
        // Libraries clear cookies they might have set (Better Auth's cookie
        // cache on sign-out); we never set them, so there is nothing to clear.
        continue;
      }
      if (!entry) {
        requestLog(c).error({ cookie: name }, 'refused a cookie the registry does not declare');
        continue;
      }
      if (!isDeletion(header) && !allows(c.get('consent'), entry.category)) {
        requestLog(c).warn({ cookie: name }, 'refused a cookie without consent for its category');
        continue;
      }
      kept.push(header);
    }
    if (kept.length === setCookies.length) return;
    // Edit in place: assigning a new c.res would make Hono merge the old
    // Set-Cookie headers back in.
    const headers = c.res.headers;
    headers.delete('set-cookie');
    for (const header of kept) headers.append('set-cookie', header);
  };
}
