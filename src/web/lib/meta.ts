import type { MetaDescriptor } from 'react-router';
import { createTranslator, locales, type MessageKey, type Messages } from '../../i18n';

interface MetaArgsLike {
  matches: readonly ({ loaderData?: unknown } | undefined)[];
}

const parsed = new Map<string, Messages>();

/** Parses a loader's messages JSON once; the same text (same page, same language) reuses the object. */
export function parseMessages(json: string | undefined): Messages {
  if (!json) return {};
  let messages = parsed.get(json);
  if (!messages) {
    messages = JSON.parse(json) as Messages;
    // Bounded: one entry per page kind and language.
    if (parsed.size > 200) parsed.clear();
    parsed.set(json, messages);
  }
  return messages;
}

/** The message sets the matched routes' loaders delivered (root's shell messages, then the page's). */
export function matchedMessages(matches: MetaArgsLike['matches']): Messages[] {
  const sets: Messages[] = [];
  for (const match of matches) {
    const json = (match?.loaderData as { messages?: string } | undefined)?.messages;
    if (json) sets.push(parseMessages(json));
  }
  return sets;
}

/** Title, description and language alternates for a page, in the page's language. */
export function pageMeta(
  args: MetaArgsLike,
  keys: { title: MessageKey; description: MessageKey },
  path = '',
): MetaDescriptor[] {
  const t = createTranslator(matchedMessages(args.matches));
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
