/**
 * First middleware: request id, client IP, language, consent, and one log
 * line per request (method, path without query, status, duration).
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { isLocale, negotiateLocale } from '../../i18n/server';
import { currentConsent } from '../../shared/consent';
import { cookieName } from '../../shared/cookie-registry';
import { clientIp } from './client-ip';
import type { AppDeps, AppEnv } from './context';
import { requestCookie, requestHeader } from './request-headers';
import { requestLog } from './request-log';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;
/** Health probes run every few seconds; logging each would drown the useful lines. */
const QUIET_PATHS = new Set(['/healthz', '/readyz']);

export function requestContext(
  deps: AppDeps,
  getSocketAddress: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => string | undefined,
): MiddlewareHandler<AppEnv> {
  const secure = deps.config.secureCookies;
  const consentCookie = cookieName('consent', secure);
  const localeCookie = cookieName('locale', secure);
  return async (c, next) => {
    const started = performance.now();
    const inbound = requestHeader(c, 'x-request-id');
    const requestId = inbound && REQUEST_ID.test(inbound) ? inbound : randomUUID();
    c.set('requestId', requestId);
    // The child logger carrying the request id is made on first use (requestLog):
    // probes log nothing, most requests one line.
    c.set('baseLog', deps.logger);
    c.set(
      'clientIp',
      clientIp({
        socketAddress: getSocketAddress(c),
        forwardedFor: requestHeader(c, 'x-forwarded-for'),
        trustedProxies: deps.config.trustedProxies,
      }),
    );
    const hasCookies = requestHeader(c, 'cookie') !== undefined;
    const consent = hasCookies
      ? currentConsent(requestCookie(c, consentCookie), Math.floor(deps.now().getTime() / 1000))
      : undefined;
    c.set('consent', consent);
    const savedLocale = hasCookies ? requestCookie(c, localeCookie) : undefined;
    c.set(
      'locale',
      negotiateLocale(requestHeader(c, 'accept-language')) ??
        (isLocale(savedLocale) ? savedLocale : undefined) ??
        'en',
    );
    try {
      await next();
    } finally {
      // Not c.header(): after the handler it would rebuild the response as a
      // stream and lose the Node adapter's fast path. Behind Node the id is
      // handed to the response class, which writes it with the head.
      const outgoing = (c.env as { outgoing?: { requestId?: string } } | undefined)?.outgoing;
      if (outgoing && 'requestId' in outgoing) outgoing.requestId = requestId;
      else c.res.headers.set('x-request-id', requestId);
      const status = c.res.status;
      if (!QUIET_PATHS.has(c.req.path) || status >= 500)
        requestLog(c)[status >= 500 ? 'error' : 'info'](
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
