/**
 * Messages for every language the platform speaks.
 *
 * Each file in ./messages is one language, named by its BCP 47 tag. Adding a
 * language is adding one file: it is picked up here, by the router (URL
 * prefixes), by the language switcher and by the completeness test.
 * English is the reference: its keys define `MessageKey`.
 */
import type en from './messages/en.json';

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

const files = import.meta.glob<Messages>('./messages/*.json', {
  eager: true,
  import: 'default',
});

export const messagesByLocale: Record<string, Messages> = Object.fromEntries(
  Object.entries(files).map(([path, messages]) => [
    path.replace(/^.*\/([^/]+)\.json$/, '$1'),
    messages,
  ]),
);

export const defaultLocale = 'en';
/** Locales sorted with the default first, so it wins language negotiation ties. */
export const locales: readonly string[] = Object.keys(messagesByLocale).sort((a, b) =>
  a === defaultLocale ? -1 : b === defaultLocale ? 1 : a.localeCompare(b),
);
export type Locale = string;

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && Object.hasOwn(messagesByLocale, value);
}

export type MessageVars = Record<string, string | number>;

/** Looks a message up and fills `{name}` placeholders. Falls back to English. */
export function translate(locale: Locale, key: MessageKey, vars?: MessageVars): string {
  const template =
    messagesByLocale[locale]?.[key] ?? messagesByLocale[defaultLocale]?.[key] ?? key;
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.hasOwn(vars, name) ? String(vars[name]) : match,
  );
}

export type Translator = (key: MessageKey, vars?: MessageVars) => string;

export function translator(locale: Locale): Translator {
  return (key, vars) => translate(locale, key, vars);
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
