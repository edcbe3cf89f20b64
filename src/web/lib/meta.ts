import type { MetaDescriptor } from 'react-router';
import { createTranslator, type MessageKey, type Messages } from '../../i18n';
import { messageRefs, resolveMessages } from './message-store';

interface MetaArgsLike {
  matches: readonly ({ loaderData?: unknown } | undefined)[];
}

/** The message sets the matched routes' loaders delivered (root's shell messages, then the page's). */
export function matchedMessages(matches: MetaArgsLike['matches']): Messages[] {
  return messageRefs(matches.map((match) => match?.loaderData)).map(resolveMessages);
}

/** Title, description and language alternates for a page, in the page's language. */
export function pageMeta(
  args: MetaArgsLike,
  keys: { title: MessageKey; description: MessageKey },
  path = '',
): MetaDescriptor[] {
  const t = createTranslator(matchedMessages(args.matches));
  // The root loader lists the languages (it is the first match).
  const languageNames = (
    args.matches[0]?.loaderData as { languageNames?: Record<string, string> } | undefined
  )?.languageNames;
  const locales = Object.keys(languageNames ?? {});
  const title = `${t(keys.title)} · ${t('site.name')}`;
  const description = t(keys.description);
  return [
    { title },
    { name: 'description', content: description },
    { property: 'og:title', content: title },
    { property: 'og:description', content: description },
    { property: 'og:locale', content: t('meta.ogLocale') },
    ...locales.map((l) => ({ tagName: 'link', rel: 'alternate', hrefLang: l, href: `/${l}${path}` })),
  ];
}
