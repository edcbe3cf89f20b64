import type { MetaDescriptor } from 'react-router';
import { defaultLocale, isLocale, locales, translate, type MessageKey } from '../../i18n';

/** Title, description and language alternates for a page, in the URL's language. */
export function pageMeta(
  params: { lang?: string },
  keys: { title: MessageKey; description: MessageKey },
  path = '',
): MetaDescriptor[] {
  const locale = isLocale(params.lang) ? params.lang : defaultLocale;
  const title = `${translate(locale, keys.title)} · ${translate(locale, 'site.name')}`;
  const description = translate(locale, keys.description);
  return [
    { title },
    { name: 'description', content: description },
    { property: 'og:title', content: title },
    { property: 'og:description', content: description },
    { property: 'og:locale', content: translate(locale, 'meta.ogLocale') },
    ...locales.map((l) => ({ tagName: 'link', rel: 'alternate', hrefLang: l, href: `/${l}${path}` })),
  ];
}
