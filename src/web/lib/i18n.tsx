import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { locales, translator, type Locale, type Translator } from '../../i18n';

interface I18nValue {
  locale: Locale;
  t: Translator;
}

const I18nContext = createContext<I18nValue>({ locale: 'en', t: translator('en') });

export function I18nProvider({ locale, children }: { locale: Locale; children: ReactNode }) {
  const value = useMemo(() => ({ locale, t: translator(locale) }), [locale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  return useContext(I18nContext);
}

export function useT(): Translator {
  return useContext(I18nContext).t;
}

/** `/faq` -> `/zh/faq` in the current language. */
export function useLocalePath(): (path: string) => string {
  const { locale } = useI18n();
  return (path) => `/${locale}${path === '/' ? '' : path}`;
}

/** The same page in another language: swaps the first path segment. */
export function switchLocalePath(pathname: string, target: Locale): string {
  const parts = pathname.split('/');
  if (locales.includes(parts[1] ?? '')) parts[1] = target;
  else parts.splice(1, 0, target);
  const joined = parts.join('/');
  return joined.endsWith('/') && joined.length > 1 ? joined.slice(0, -1) : joined;
}
