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

/** Locales sorted with the default first, so it wins language negotiation ties. */
export const locales: readonly string[] = Object.keys(messagesByLocale).sort((a, b) =>
  a === defaultLocale ? -1 : b === defaultLocale ? 1 : a.localeCompare(b),
);

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && Object.hasOwn(messagesByLocale, value);
}

/**
 * Picks the best supported locale from an Accept-Language header
 * (RFC 9110 §12.5.4): highest q first, then header order; a primary-tag match
 * ("zh-CN" -> "zh") counts. Returns undefined when nothing matches.
 */
export function negotiateLocale(header: string | null | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranges = header
    .split(',')
    .slice(0, 20) // a header is client input: bound the work
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const qParam = params.find((p) => p.trim().startsWith('q='));
      const q = qParam ? Number(qParam.trim().slice(2)) : 1;
      return { tag: tag.trim().toLowerCase(), q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((r) => r.tag && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranges) {
    if (tag === '*') return defaultLocale;
    const exact = locales.find((l) => l.toLowerCase() === tag);
    if (exact) return exact;
    const primary = tag.split('-')[0];
    const byPrimary = locales.find((l) => l.toLowerCase().split('-')[0] === primary);
    if (byPrimary) return byPrimary;
  }
  return undefined;
}

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
export const languageNames: Record<Locale, string> = Object.fromEntries(
  Object.entries(messagesByLocale).map(([locale, messages]) => [locale, messages['meta.languageName']]),
);
