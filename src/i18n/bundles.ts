/**
 * Message bundles: the message sets pages need in the browser, one file per
 * bundle and language under /i18n/, named by a hash of its content.
 *
 * Pages used to carry their messages inside their loader data, so every
 * document and every navigation repeated the same texts (a third of the
 * landing page) and React Router encoded them on every render. Now a loader
 * hands over a reference (the bundle's path); the server renders from the
 * bundle in memory, the browser fetches each bundle once and keeps it (the
 * name changes whenever the text does, so it is cached as immutable).
 * Server-only: it reads every language's messages.
 */
import { createHash } from 'node:crypto';
import { defaultLocale, type Locale, type Messages } from './index';
import { isLocale, locales, messagesFor } from './server';

/** Each bundle's namespaces ("home" means every key starting with "home."). */
export const messageBundles = {
  /** The shell on every page: header, footer, consent banner, error pages. API errors arrive localized. */
  shell: [
    'meta',
    'site',
    'nav',
    'theme',
    'consent',
    'notFound',
    'error.page',
    'error.network',
    'error.internal',
  ],
  home: ['home'],
  faq: ['faq'],
  contact: ['contact'],
  auth: ['auth'],
  dashboard: ['dashboard'],
  // The generator and the history share the texts of a generation (status,
  // cost, the image viewer) in the `generation` namespace.
  generate: ['generate', 'generation'],
  history: ['history', 'generation'],
  // The comparison reuses the generator's field labels and cost line.
  compare: ['compare', 'generate', 'generation'],
  credits: ['credits'],
  // The pricing, billing and checkout-result pages share the words for what
  // is sold (credits, tiers, intervals) in the `billingItem` namespace.
  pricing: ['pricing', 'billingItem'],
  billing: ['billing', 'billingItem'],
  billingSuccess: ['billingSuccess', 'billingItem'],
  billingCancel: ['billingCancel'],
  // The admin pages share one bundle; only admins ever load it.
  admin: ['admin'],
  privacy: ['privacy'],
  terms: ['terms'],
  cookies: ['cookies'],
} as const satisfies Record<string, readonly string[]>;

export type MessageBundleId = keyof typeof messageBundles;

/** What a loader sends instead of the messages: the bundle's path, e.g. `/i18n/en/home.Ab3….json`. */
export type MessagesRef = string & { readonly __messagesRef: true };

export const MESSAGES_PATH_PREFIX = '/i18n/';

export interface MessageBundle {
  path: MessagesRef;
  locale: Locale;
  id: MessageBundleId;
  messages: Messages;
  /** The file's exact bytes. */
  json: string;
}

const byKey = new Map<string, MessageBundle>();
const byPath = new Map<string, MessageBundle>();

export function messageBundle(lang: string | undefined, id: MessageBundleId): MessageBundle {
  const locale = isLocale(lang) ? lang : defaultLocale;
  const key = `${locale}/${id}`;
  let bundle = byKey.get(key);
  if (!bundle) {
    const messages = messagesFor(locale, messageBundles[id]);
    const json = JSON.stringify(messages);
    const hash = createHash('sha256').update(json).digest('base64url').slice(0, 12);
    const path = `${MESSAGES_PATH_PREFIX}${locale}/${id}.${hash}.json` as MessagesRef;
    bundle = { path, locale, id, messages, json };
    byKey.set(key, bundle);
    byPath.set(path, bundle);
  }
  return bundle;
}

/** The reference a loader returns for its page's messages. */
export function messagesRef(lang: string | undefined, id: MessageBundleId): MessagesRef {
  return messageBundle(lang, id).path;
}

/** Every bundle in every language (the server serves exactly these). */
export function allMessageBundles(): MessageBundle[] {
  return locales.flatMap((locale) =>
    (Object.keys(messageBundles) as MessageBundleId[]).map((id) => messageBundle(locale, id)),
  );
}

/** The bundle a path names, if it is current. */
export function bundleByPath(path: string): MessageBundle | undefined {
  if (byPath.size === 0) allMessageBundles();
  return byPath.get(path);
}
