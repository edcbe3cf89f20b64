/**
 * The page's language and messages in React. Messages arrive with the
 * matched routes' loader data (root: the shell; each page: its own
 * namespace), so the browser never downloads other pages' texts or other
 * languages.
 */
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useMatches } from 'react-router';
import { createTranslator, type Locale, type Translator } from '../../i18n';
import { matchedMessages } from './meta';

interface I18nValue {
  locale: Locale;
  t: Translator;
  /** Each language's name in itself, for the switcher. */
  languageNames: Record<Locale, string>;
}

const I18nContext = createContext<I18nValue>({ locale: 'en', t: (key) => key, languageNames: {} });

export function I18nProvider({
  locale,
  languageNames,
  children,
}: {
  locale: Locale;
  languageNames: Record<Locale, string>;
  children: ReactNode;
}) {
  const matches = useMatches();
  const value = useMemo(
    () => ({ locale, languageNames, t: createTranslator(matchedMessages(matches)) }),
    [locale, languageNames, matches],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  return useContext(I18nContext);
}

/** `/faq` -> `/zh/faq` in the current language. */
export function useLocalePath(): (path: string) => string {
  const { locale } = useI18n();
  return (path) => `/${locale}${path === '/' ? '' : path}`;
}

/** The same page in another language: swaps the first path segment. */
export function switchLocalePath(pathname: string, target: Locale, locales: readonly string[]): string {
  const parts = pathname.split('/');
  if (locales.includes(parts[1] ?? '')) parts[1] = target;
  else parts.splice(1, 0, target);
  const joined = parts.join('/');
  return joined.endsWith('/') && joined.length > 1 ? joined.slice(0, -1) : joined;
}
