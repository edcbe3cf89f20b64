/**
 * The only way browser code writes cookies or storage keys. Every write is
 * checked against the cookie registry and the visitor's consent: an
 * undeclared name throws, a name of a category without consent is refused.
 */
import { allows, type ConsentState } from '../../shared/consent';
import { cookieRegistry, findRegistryEntry } from '../../shared/cookie-registry';
import { readCookie, registryCookieHeader } from '../../shared/cookie-header';

function isHttps(): boolean {
  return typeof location !== 'undefined' && location.protocol === 'https:';
}

export function wireCookieName(baseName: string): string {
  const entry = findRegistryEntry('cookie', baseName);
  return entry?.hostPrefix && isHttps() ? `__Host-${baseName}` : baseName;
}

export function getBrowserCookie(baseName: string): string | undefined {
  if (typeof document === 'undefined') return undefined;
  return readCookie(document.cookie, wireCookieName(baseName));
}

export function setBrowserCookie(
  baseName: string,
  value: string,
  consent: ConsentState | undefined,
): boolean {
  const entry = findRegistryEntry('cookie', baseName);
  if (!entry || entry.writer !== 'browser') {
    throw new Error(`cookie "${baseName}" is not declared as browser-written in the cookie registry`);
  }
  if (!allows(consent, entry.category)) return false;
  document.cookie = registryCookieHeader(wireCookieName(baseName), value, isHttps());
  return true;
}

export function deleteBrowserCookie(baseName: string): void {
  if (typeof document === 'undefined') return;
  document.cookie = `${wireCookieName(baseName)}=; Max-Age=0; Path=/; SameSite=Lax${isHttps() ? '; Secure' : ''}`;
}

/**
 * After a choice (or on load): removes what the current consent does not
 * allow, and any storage key the registry does not declare at all.
 */
export function purgeDisallowed(consent: ConsentState | undefined): void {
  if (typeof document === 'undefined') return;
  for (const entry of cookieRegistry) {
    if (entry.kind === 'cookie' && entry.writer === 'browser' && !allows(consent, entry.category)) {
      if (getBrowserCookie(entry.name) !== undefined) deleteBrowserCookie(entry.name);
    }
  }
  for (const [kind, storage] of [
    ['localStorage', window.localStorage],
    ['sessionStorage', window.sessionStorage],
  ] as const) {
    for (let i = storage.length - 1; i >= 0; i--) {
      const key = storage.key(i);
      if (key === null) continue;
      const entry = findRegistryEntry(kind, key);
      if (!entry || !allows(consent, entry.category)) storage.removeItem(key);
    }
  }
}
