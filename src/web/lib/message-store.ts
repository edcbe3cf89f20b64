/**
 * Where rendering finds a page's messages by the reference its loader sent
 * (see src/i18n/bundles.ts). On the server the entry installs a lookup into
 * the bundles in memory; in the browser bundles are fetched before the
 * render that needs them (by the client entry before hydration and by the
 * root's client middleware on navigation), so lookups here never wait.
 */
import type { Messages } from '../../i18n';

type MessagesLookup = (ref: string) => Messages | undefined;

let serverLookup: MessagesLookup | undefined;
const loaded = new Map<string, Messages>();
const loading = new Map<string, Promise<void>>();

/** Server entry only: resolve references from the bundles in memory. */
export function setServerMessagesLookup(lookup: MessagesLookup): void {
  serverLookup = lookup;
}

/** The messages a reference names; empty until loaded (keys then show as themselves). */
export function resolveMessages(ref: unknown): Messages {
  if (typeof ref !== 'string') return {};
  return loaded.get(ref) ?? serverLookup?.(ref) ?? {};
}

export function isMessagesLoaded(ref: string): boolean {
  return loaded.has(ref) || serverLookup?.(ref) !== undefined;
}

/** Fetches a bundle once; concurrent callers share the request. Rejects when it cannot be had. */
export function loadMessages(ref: string): Promise<void> {
  if (loaded.has(ref)) return Promise.resolve();
  let pending = loading.get(ref);
  if (!pending) {
    pending = fetch(ref, { credentials: 'same-origin' })
      .then(async (response) => {
        if (!response.ok) throw new Error(`messages ${ref}: HTTP ${response.status}`);
        loaded.set(ref, (await response.json()) as Messages);
      })
      .finally(() => loading.delete(ref));
    loading.set(ref, pending);
  }
  return pending;
}

/** The message references in a list of loader data objects (`{ messages: ref }`). */
export function messageRefs(loaderData: Iterable<unknown>): string[] {
  const refs: string[] = [];
  for (const data of loaderData) {
    const ref = (data as { messages?: unknown } | null | undefined)?.messages;
    if (typeof ref === 'string' && !refs.includes(ref)) refs.push(ref);
  }
  return refs;
}
