/**
 * Messages a page needs, for its loader to hand to the browser: only the
 * page's namespaces and only its language (the rest never leaves the server).
 */
import { defaultLocale, type Messages } from '../../i18n';
import { isLocale, messagesFor } from '../../i18n/server';

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

export function pageMessages(lang: string | undefined, namespaces: readonly string[]): Messages {
  return messagesFor(isLocale(lang) ? lang : defaultLocale, namespaces);
}
