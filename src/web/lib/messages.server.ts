/**
 * What a page's loader sends for its messages: a reference to its bundle in
 * its language (src/i18n/bundles.ts). The texts themselves reach the browser
 * as separate, cacheable files; other pages' texts and other languages stay
 * on the server.
 */
import { messagesRef, type MessageBundleId, type MessagesRef } from '../../i18n/bundles';

export function pageMessages(lang: string | undefined, bundle: MessageBundleId): MessagesRef {
  return messagesRef(lang, bundle);
}
