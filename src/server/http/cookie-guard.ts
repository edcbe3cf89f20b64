/**
 * Enforces the cookie registry on every response: a Set-Cookie for a name the
 * registry does not declare is removed, and so is one of an optional category
 * the visitor has not consented to. Deleting a declared cookie is always
 * allowed (that is how consent is withdrawn). Violations are logged (an
 * undeclared cookie as an error, so tests catch it).
 *
 * The consent that counts is the one in force after the response: a consent
 * cookie being set by this very response wins over the request's.
 *
 * Behind Node's HTTP server the check runs where headers are written
 * (`guardedResponseClass`, used by start.ts), which sees every Set-Cookie
 * however the response was built and costs nothing when there is none. The
 * Hono middleware does the same for in-process requests (tests).
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { allows, currentConsent } from '../../shared/consent';
import { cookieName, findRegistryEntry } from '../../shared/cookie-registry';
import { readCookie } from '../../shared/cookie-header';
import type { AppEnv } from './context';
import { requestLog } from './request-log';

function isDeletion(setCookie: string): boolean {
  return /;\s*max-age=0\b/i.test(setCookie) || /;\s*expires=Thu, 01 Jan 1970/i.test(setCookie);
}

function nameOf(setCookie: string): string {
  return setCookie.slice(0, setCookie.indexOf('=')).trim();
}

export interface GuardOptions {
  secure: boolean;
  now: () => Date;
}

/** The Set-Cookie headers the registry and the visitor's consent allow, in order. */
export function allowedSetCookies(
  setCookies: readonly string[],
  requestCookieHeader: string | undefined,
  options: GuardOptions,
  log: Pick<Logger, 'error' | 'warn'>,
): string[] {
  const consentName = cookieName('consent', options.secure);
  const newConsent = setCookies.find((h) => nameOf(h) === consentName && !isDeletion(h));
  const consentValue = newConsent
    ? newConsent.slice(consentName.length + 1).split(';')[0]
    : readCookie(requestCookieHeader, consentName);
  const consent = currentConsent(consentValue, Math.floor(options.now().getTime() / 1000));
  const kept: string[] = [];
  for (const header of setCookies) {
    const name = nameOf(header);
    const entry = findRegistryEntry('cookie', name);
    if (!entry && isDeletion(header)) {
      // Libraries clear cookies they might have set (Better Auth's cookie
      // cache on sign-out); we never set them, so there is nothing to clear.
      continue;
    }
    if (!entry) {
      log.error({ cookie: name }, 'refused a cookie the registry does not declare');
      continue;
    }
    if (!isDeletion(header) && !allows(consent, entry.category)) {
      log.warn({ cookie: name }, 'refused a cookie without consent for its category');
      continue;
    }
    kept.push(header);
  }
  return kept;
}

export function cookieGuard(options: GuardOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const setCookies = c.res.headers.getSetCookie();
    if (setCookies.length === 0) return;
    const kept = allowedSetCookies(setCookies, c.req.header('cookie'), options, requestLog(c));
    if (kept.length === setCookies.length) return;
    // Edit in place: assigning a new c.res would make Hono merge the old
    // Set-Cookie headers back in.
    const headers = c.res.headers;
    headers.delete('set-cookie');
    for (const header of kept) headers.append('set-cookie', header);
  };
}

/**
 * The ServerResponse class the Node server uses (start.ts): where the head is
 * written it adds the default security headers a response lacks and filters
 * Set-Cookie through the registry. A class, not a per-request patch:
 * assigning res.writeHead on every response changed the object's shape and
 * cost a fifth of a cheap request's throughput.
 */
export function guardedResponseClass(
  options: GuardOptions & { defaults: Record<string, string>; logger: Logger },
) {
  const defaults = Object.entries(options.defaults);
  return class GuardedResponse<
    Request extends IncomingMessage = IncomingMessage,
  > extends ServerResponse<Request> {
    /** Set by the request-context middleware; written as X-Request-Id. A declared field keeps the object's shape stable. */
    requestId: string | undefined = undefined;

    /** Filters a Set-Cookie value (one or many) through the registry and consent. */
    private allowed(cookies: string | string[] | number): string[] {
      const list = Array.isArray(cookies) ? cookies : [String(cookies)];
      const log = options.logger.child({ reqId: this.requestId });
      return allowedSetCookies(list, this.req.headers.cookie, options, log);
    }

    override writeHead(statusCode: number, ...rest: unknown[]): this {
      const last = rest[rest.length - 1];
      if (last && typeof last === 'object' && !Array.isArray(last)) {
        // Headers passed to writeHead (the Node adapter's way): edit the record.
        const record = last as Record<string, string | string[] | number | undefined>;
        for (const [name, value] of defaults) {
          if (record[name] === undefined && !this.hasHeader(name)) record[name] = value;
        }
        if (this.requestId !== undefined) record['x-request-id'] = this.requestId;
        const cookies = record['set-cookie'] ?? record['Set-Cookie'];
        if (cookies !== undefined) {
          delete record['Set-Cookie'];
          record['set-cookie'] = this.allowed(cookies);
        }
      } else {
        // Headers set earlier with setHeader().
        for (const [name, value] of defaults) if (!this.hasHeader(name)) this.setHeader(name, value);
        if (this.requestId !== undefined) this.setHeader('x-request-id', this.requestId);
        const cookies = this.getHeader('set-cookie');
        if (cookies !== undefined) this.setHeader('set-cookie', this.allowed(cookies));
      }
      return (super.writeHead as (code: number, ...args: unknown[]) => this)(statusCode, ...rest);
    }
  };
}
