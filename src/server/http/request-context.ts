/**
 * First middleware: request id, client IP, language, consent, and one log
 * line per request (method, path without query, status, duration).
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { isLocale, negotiateLocale } from '../../i18n';
import { currentConsent } from '../../shared/consent';
import { cookieName } from '../../shared/cookie-registry';
import { clientIp } from './client-ip';
import type { AppDeps, AppEnv } from './context';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;
/** Health probes run every few seconds; logging each would drown the useful lines. */
const QUIET_PATHS = new Set(['/healthz', '/readyz']);

export function requestContext(deps: AppDeps, getSocketAddress: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => string | undefined): MiddlewareHandler<AppEnv> {
  const secure = deps.config.secureCookies;
  const consentCookie = cookieName('consent', secure);
  const localeCookie = cookieName('locale', secure);
  return async (c, next) => {
    const started = performance.now();
    const inbound = c.req.header('x-request-id');
    const requestId = inbound && REQUEST_ID.test(inbound) ? inbound : randomUUID();
    const log = deps.logger.child({ reqId: requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    c.set(
      'clientIp',
      clientIp({
        socketAddress: getSocketAddress(c),
        forwardedFor: c.req.header('x-forwarded-for'),
        trustedProxies: deps.config.trustedProxies,
      }),
    );
    const hasCookies = c.req.header('cookie') !== undefined;
    const consent = hasCookies
      ? currentConsent(getCookie(c, consentCookie), Math.floor(deps.now().getTime() / 1000))
      : undefined;
    c.set('consent', consent);
    const savedLocale = hasCookies ? getCookie(c, localeCookie) : undefined;
    c.set(
      'locale',
      negotiateLocale(c.req.header('accept-language')) ??
        (isLocale(savedLocale) ? savedLocale : undefined) ??
        'en',
    );
    try {
      await next();
    } finally {
      // Through c.res.headers, not c.header(): after the handler, c.header()
      // would rebuild the response as a stream and lose the adapter's fast path.
      c.res.headers.set('x-request-id', requestId);
      const status = c.res.status;
      if (!QUIET_PATHS.has(c.req.path) || status >= 500) log[status >= 500 ? 'error' : 'info'](
        {
          method: c.req.method,
          path: c.req.path,
          status,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'request',
      );
    }
  };
}
