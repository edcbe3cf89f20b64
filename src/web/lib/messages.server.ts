/**
 * Messages a page needs, for its loader to hand to the browser: only the
 * page's namespaces and only its language (the rest never leaves the server).
 */
import { defaultLocale, isLocale } from '../../i18n';
import { messagesJsonFor } from '../../i18n/server';

/**
 * The shell's messages (header, footer, consent banner, error page), sent by
 * the root loader with every page. API errors arrive already localized, so
 * only the errors the browser words itself are here.
 */
export const shellNamespaces = [
  'meta',
  'site',
  'nav',
  'theme',
  'consent',
  'notFound',
  'error.page',
  'error.network',
  'error.internal',
];

/** JSON text of the messages (see messagesJsonFor); the browser parses it once (lib/meta.ts). */
export function pageMessages(lang: string | undefined, namespaces: readonly string[]): string {
  return messagesJsonFor(isLocale(lang) ? lang : defaultLocale, namespaces);
}
