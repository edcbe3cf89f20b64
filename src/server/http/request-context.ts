/**
 * First middleware: request id, the lazily worked-out request facts (client
 * IP, language, consent: request-info.ts), and one log line per request
 * (method, path without query, status, duration).
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { cookieName } from '../../shared/cookie-registry';
import type { AppDeps, AppEnv } from './context';
import { requestHeader } from './request-headers';
import { RequestInfo } from './request-info';
import { requestLog } from './request-log';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** The request id to use: the caller's (a balancer's) when it is well-formed, else a new one. */
export function requestIdFor(inbound: string | undefined): string {
  return inbound && REQUEST_ID.test(inbound) ? inbound : randomUUID();
}
/**
 * Readiness probes run every few seconds; logging each would drown the useful
 * lines. (Liveness probes, /healthz, are answered before this middleware.)
 */
const QUIET_PATHS = new Set(['/readyz']);

export function requestContext(
  deps: AppDeps,
  getSocketAddress: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => string | undefined,
): MiddlewareHandler<AppEnv> {
  const secure = deps.config.secureCookies;
  const names = { consent: cookieName('consent', secure), locale: cookieName('locale', secure) };
  return async (c, next) => {
    const started = performance.now();
    const inbound = requestHeader(c, 'x-request-id');
    const requestId = requestIdFor(inbound);
    c.set('requestId', requestId);
    // The child logger carrying the request id is made on first use (requestLog):
    // probes log nothing, most requests one line.
    c.set('baseLog', deps.logger);
    c.set('info', new RequestInfo(c, deps, names, getSocketAddress));
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
