/**
 * All messages of every language, for server code only (errors, emails,
 * route loaders). Browser code gets just the messages of its page and
 * language, from loaders (`messagesFor`), never this module.
 */
import {
  defaultLocale,
  formatMessage,
  type Locale,
  type MessageKey,
  type Messages,
  type MessageVars,
} from './index';

const files = import.meta.glob<Record<MessageKey, string>>('./messages/*.json', {
  eager: true,
  import: 'default',
});

export const messagesByLocale: Record<string, Record<MessageKey, string>> = Object.fromEntries(
  Object.entries(files).map(([path, messages]) => [path.replace(/^.*\/([^/]+)\.json$/, '$1'), messages]),
);

/** Looks a message up in a language (falling back to English) and fills placeholders. */
export function translate(locale: Locale, key: MessageKey, vars?: MessageVars): string {
  const template = messagesByLocale[locale]?.[key] ?? messagesByLocale[defaultLocale]?.[key] ?? key;
  return formatMessage(template, vars);
}

/**
 * Messages whose key is, or starts with, one of the namespaces ("home" -> "home.*"),
 * in one language with English filling any gap. Cached: the sets are fixed.
 */
const cache = new Map<string, Messages>();
export function messagesFor(locale: Locale, namespaces: readonly string[]): Messages {
  const cacheKey = `${locale}|${namespaces.join(',')}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const reference = messagesByLocale[defaultLocale] ?? ({} as Record<MessageKey, string>);
  const own = messagesByLocale[locale] ?? reference;
  const prefixes = namespaces.map((ns) => `${ns}.`);
  const picked: Messages = {};
  for (const key of Object.keys(reference) as MessageKey[]) {
    if (namespaces.includes(key) || prefixes.some((p) => key.startsWith(p))) {
      picked[key] = own[key] ?? reference[key];
    }
  }
  cache.set(cacheKey, picked);
  return picked;
}

/** Each language's name in itself, for the language switcher. */
export function languageNames(): Record<Locale, string> {
  return Object.fromEntries(
    Object.entries(messagesByLocale).map(([locale, messages]) => [locale, messages['meta.languageName']]),
  );
}

/**
 * The same as messagesFor, as JSON text. Loaders send this string rather than
 * the object: the page's data serializer then handles one value instead of
 * one per message (measured: a few per cent of a page render).
 */
const jsonCache = new Map<string, string>();
export function messagesJsonFor(locale: Locale, namespaces: readonly string[]): string {
  const cacheKey = `${locale}|${namespaces.join(',')}`;
  let json = jsonCache.get(cacheKey);
  if (json === undefined) {
    json = JSON.stringify(messagesFor(locale, namespaces));
    jsonCache.set(cacheKey, json);
  }
  return json;
}
