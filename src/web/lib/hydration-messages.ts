/**
 * The message bundles the server announced in the first HTML (preload links
 * under /i18n/). The client entry loads them before hydrating, and the
 * document head keeps rendering the same links afterwards so hydration
 * matches and navigations add no stray preloads.
 */
let refs: string[] | undefined;

export function hydrationMessageRefs(): string[] {
  refs ??= [...document.querySelectorAll<HTMLLinkElement>('link[rel="preload"][as="fetch"]')]
    .map((link) => link.getAttribute('href') ?? '')
    .filter((href) => href.startsWith('/i18n/'));
  return refs;
}
