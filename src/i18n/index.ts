/**
 * Languages and message formatting, for both server and browser.
 *
 * Each file in ./messages is one language, named by its BCP 47 tag; adding a
 * language is adding one file. This module lists the languages (the glob is
 * lazy, so no message text enters the browser bundle through it); the texts
 * reach the browser through route loaders, per page and per language (see
 * ./server.ts and src/web/lib/i18n.tsx). English defines the keys.
 */
import type en from './messages/en.json';

export type MessageKey = keyof typeof en;
export type Messages = Partial<Record<MessageKey, string>>;
export type MessageVars = Record<string, string | number>;
export type Translator = (key: MessageKey, vars?: MessageVars) => string;

const files = import.meta.glob('./messages/*.json');

export const defaultLocale = 'en';
/** Locales sorted with the default first, so it wins language negotiation ties. */
export const locales: readonly string[] = Object.keys(files)
  .map((path) => path.replace(/^.*\/([^/]+)\.json$/, '$1'))
  .sort((a, b) => (a === defaultLocale ? -1 : b === defaultLocale ? 1 : a.localeCompare(b)));
export type Locale = string;

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && locales.includes(value);
}

/** Fills `{name}` placeholders; unknown ones stay as they are. */
export function formatMessage(template: string, vars?: MessageVars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.hasOwn(vars, name) ? String(vars[name]) : match,
  );
}

/**
 * A translator over one or more message sets (looked up in order, without
 * copying them together); a missing key shows as itself (tests catch it).
 */
export function createTranslator(messages: Messages | readonly Messages[]): Translator {
  const sets: readonly Messages[] = Array.isArray(messages) ? messages : [messages as Messages];
  return (key, vars) => {
    for (const set of sets) {
      const template = set[key];
      if (template !== undefined) return formatMessage(template, vars);
    }
    return key;
  };
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
