/**
 * Request header access that avoids building a fetch `Headers` object when
 * the request came through Node's HTTP server: Node already parsed the
 * headers into a plain object, and the adapter only materializes `Headers`
 * on first use (a measurable cost on cheap requests such as /healthz).
 */
import type { Context } from 'hono';
import { readCookie } from '../../shared/cookie-header';

interface NodeBindings {
  incoming?: { headers: Record<string, string | string[] | undefined> };
}

export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  if (incoming?.headers) {
    const value = incoming.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return c.req.header(name);
}

export function requestCookie(c: Context, name: string): string | undefined {
  return readCookie(requestHeader(c, 'cookie'), name);
}

/** All request headers as name/value pairs (repeated headers joined as fetch would). */
export function requestHeaderPairs(c: Context): [string, string][] {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  if (!incoming?.headers) return [...c.req.raw.headers];
  const pairs: [string, string][] = [];
  for (const name in incoming.headers) {
    const value = incoming.headers[name];
    if (value !== undefined) pairs.push([name, Array.isArray(value) ? value.join(', ') : value]);
  }
  return pairs;
}
