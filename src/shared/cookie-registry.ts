/**
 * The cookie registry: every cookie and browser-storage key the platform
 * writes, declared once. The consent banner, the cookie-policy page, the
 * server's Set-Cookie guard, the browser storage wrapper and the tests all
 * read this list, so the policy is executable: writing anything that is not
 * declared here is refused (server) or throws (browser).
 *
 * Bump COOKIE_POLICY_VERSION whenever an entry is added, removed or changes
 * category or purpose: every visitor is then asked again.
 */
import type { MessageKey } from '../i18n';

export const COOKIE_POLICY_VERSION = 1;

export const consentCategories = ['essential', 'performance', 'functional', 'analytics'] as const;
export type ConsentCategory = (typeof consentCategories)[number];
/** The categories a visitor may refuse. Essential ones need no consent. */
export const optionalCategories = ['performance', 'functional', 'analytics'] as const;
export type OptionalCategory = (typeof optionalCategories)[number];

export type StorageKind = 'cookie' | 'localStorage' | 'sessionStorage';

export interface RegistryEntry {
  /** Base name. On https, cookies marked `hostPrefix` carry `__Host-` in front. */
  name: string;
  kind: StorageKind;
  category: ConsentCategory;
  /** Message key of the purpose, so each language states it in its own file. */
  purpose: MessageKey;
  /** Upper bound of the lifetime in seconds; 'session' ends with the browser session. */
  maxAgeSeconds: number | 'session';
  party: 'first' | 'third';
  /** Who writes it: the server (Set-Cookie) or browser code. */
  writer: 'server' | 'browser';
  httpOnly?: boolean;
  /** Gets the `__Host-` prefix whenever the public URL is https (decision 002). */
  hostPrefix?: boolean;
}

const DAY = 24 * 60 * 60;

/** A consent choice is asked again after this long (CNIL guidance: 6 months). */
export const CONSENT_MAX_AGE_SECONDS = 182 * DAY;

export const cookieRegistry: readonly RegistryEntry[] = [
  {
    name: 'session',
    kind: 'cookie',
    category: 'essential',
    purpose: 'cookies.purpose.session',
    // Bounded by the absolute session lifetime (SESSION_ABSOLUTE_DAYS, max 90).
    maxAgeSeconds: 90 * DAY,
    party: 'first',
    writer: 'server',
    httpOnly: true,
    hostPrefix: true,
  },
  {
    name: 'session_dont_remember',
    kind: 'cookie',
    category: 'essential',
    purpose: 'cookies.purpose.dontRemember',
    maxAgeSeconds: 'session',
    party: 'first',
    writer: 'server',
    httpOnly: true,
    hostPrefix: true,
  },
  {
    name: 'consent',
    kind: 'cookie',
    category: 'essential',
    purpose: 'cookies.purpose.consent',
    maxAgeSeconds: CONSENT_MAX_AGE_SECONDS,
    party: 'first',
    writer: 'server',
    hostPrefix: true,
  },
  {
    name: 'locale',
    kind: 'cookie',
    category: 'functional',
    purpose: 'cookies.purpose.locale',
    maxAgeSeconds: 365 * DAY,
    party: 'first',
    writer: 'server',
    httpOnly: true,
    hostPrefix: true,
  },
  {
    name: 'theme',
    kind: 'cookie',
    category: 'functional',
    purpose: 'cookies.purpose.theme',
    maxAgeSeconds: 365 * DAY,
    party: 'first',
    writer: 'browser',
    hostPrefix: true,
  },
  {
    // Written by React Router's <ScrollRestoration>: scroll positions for
    // back/forward navigation within this tab. Session-only UI state of the
    // page the visitor asked for, so it needs no consent.
    name: 'react-router-scroll-positions',
    kind: 'sessionStorage',
    category: 'essential',
    purpose: 'cookies.purpose.scroll',
    maxAgeSeconds: 'session',
    party: 'first',
    writer: 'browser',
  },
];

export function findRegistryEntry(kind: StorageKind, name: string): RegistryEntry | undefined {
  const base = kind === 'cookie' ? stripCookiePrefix(name) : name;
  return cookieRegistry.find((entry) => entry.kind === kind && entry.name === base);
}

export function stripCookiePrefix(name: string): string {
  return name.replace(/^__(Host|Secure)-/, '');
}

/** The name a cookie has on the wire. */
export function cookieName(baseName: string, secure: boolean): string {
  const entry = cookieRegistry.find((e) => e.kind === 'cookie' && e.name === baseName);
  if (!entry) throw new Error(`Cookie "${baseName}" is not declared in the cookie registry`);
  return secure && entry.hostPrefix ? `__Host-${entry.name}` : entry.name;
}
