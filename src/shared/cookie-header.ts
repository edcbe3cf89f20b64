/** Cookie header parsing and registry-driven Set-Cookie values, for server and browser alike. */
import { findRegistryEntry } from './cookie-registry';

/** Reads one cookie from a Cookie header without a parser dependency (isomorphic). */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * A Set-Cookie value for a registry cookie: lifetime and HttpOnly come from
 * its registry entry, so what is written is what the cookie policy states.
 * `wireName` is the name on the wire (with its `__Host-` prefix on https).
 */
export function registryCookieHeader(wireName: string, value: string, secure: boolean): string {
  const entry = findRegistryEntry('cookie', wireName);
  if (!entry) throw new Error(`cookie "${wireName}" is not declared in the cookie registry`);
  const maxAge = entry.maxAgeSeconds === 'session' ? '' : `; Max-Age=${entry.maxAgeSeconds}`;
  const httpOnly = entry.httpOnly ? '; HttpOnly' : '';
  return `${wireName}=${encodeURIComponent(value)}${maxAge}; Path=/${httpOnly}; SameSite=Lax${secure ? '; Secure' : ''}`;
}
