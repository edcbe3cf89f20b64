import { useMemo } from 'react';
import {
  data,
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useMatches,
  useRouteError,
  useRouteLoaderData,
  type LinksFunction,
} from 'react-router';
import type { Route } from './+types/root';
import { createTranslator, defaultLocale } from '../i18n';
import { isLocale, languageNames, negotiateLocale } from '../i18n/server';
import { cookieName } from '../shared/cookie-registry';
import { readCookie } from '../shared/cookie-header';
import { parseTheme, type Theme } from '../shared/theme';
import { appContext } from './app-context';
import { CookieBanner, CookiePreferencesDialog } from './components/consent/cookie-banner';
import { useLinkInterception } from './components/ui/app-link';
import { SiteFooter } from './components/site/site-footer';
import { SiteHeader } from './components/site/site-header';
import { ConsentProvider } from './lib/consent';
import { I18nProvider } from './lib/i18n';
import { hydrationMessageRefs } from './lib/hydration-messages';
import { loadMessages, messageRefs, resolveMessages } from './lib/message-store';
import { pageMessages } from './lib/messages.server';
import { ThemeProvider } from './lib/theme';
import stylesheet from './app.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesheet },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const app = context.get(appContext);
  // Every loader of a match gets the leaf's params, so `lang` is here for all
  // pages under /:lang (also for `.data` requests, whose URL ends in `.data`).
  const lang = (params as { lang?: string }).lang;
  const locale = isLocale(lang)
    ? lang
    : (negotiateLocale(request.headers.get('accept-language')) ?? defaultLocale);
  const theme = parseTheme(
    readCookie(request.headers.get('cookie'), cookieName('theme', app?.secureCookies ?? false)),
  );
  // A failing session lookup (database down) must not take public pages with it.
  const session = app ? await app.getSession().catch(() => null) : null;
  return data({
    locale,
    languageNames,
    messages: pageMessages(locale, 'shell'),
    theme,
    user: session ? { name: session.user.name, email: session.user.email, role: session.user.role } : null,
    credits: session?.credits ?? null,
  });
}

/**
 * In the browser the theme is whatever <html> already says: the server wrote
 * it into the first HTML (prerendered pages get it patched in, so their
 * embedded loader data still says "system"), and the toggle updates it in
 * place. Rendering from loader data there would undo both.
 */
function currentTheme(fromLoader: Theme | undefined): Theme {
  if (typeof document !== 'undefined') return parseTheme(document.documentElement.dataset.theme);
  return fromLoader ?? 'system';
}

/**
 * Navigations render only after the new pages' message bundles are here:
 * loaders return references, and this fetches the ones not loaded yet.
 * A bundle that is gone (a new release renamed it) means this tab runs old
 * code, so the navigation becomes a full page load.
 */
export const clientMiddleware: Route.ClientMiddlewareFunction[] = [
  async ({ request }, next) => {
    const results = await next();
    const data = Object.values(results).map((r) => (r.type === 'data' ? r.result : undefined));
    try {
      await Promise.all(messageRefs(data).map(loadMessages));
    } catch {
      window.location.assign(request.url);
      await new Promise(() => {});
    }
    return results;
  },
];

export function Layout({ children }: { children: React.ReactNode }) {
  const root = useRouteLoaderData<typeof loader>('root');
  const locale = root?.locale ?? defaultLocale;
  const theme = currentTheme(root?.theme);
  const matches = useMatches();
  // The server announces the first page's bundles so the browser fetches them
  // alongside the scripts; later pages load theirs in clientMiddleware.
  const preloads =
    typeof document === 'undefined'
      ? messageRefs(matches.map((match) => match.loaderData))
      : hydrationMessageRefs();
  return (
    <html lang={locale} data-theme={theme} className={theme === 'system' ? undefined : theme}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <Meta />
        <Links />
        {preloads.map((href) => (
          <link key={href} rel="preload" as="fetch" href={href} crossOrigin="anonymous" />
        ))}
      </head>
      <body className="flex min-h-dvh flex-col bg-background text-foreground antialiased">
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

const noLanguages: Record<string, string> = {};

function Shell({ children }: { children: React.ReactNode }) {
  const root = useRouteLoaderData<typeof loader>('root');
  const languageNames = root?.languageNames ?? noLanguages;
  useLinkInterception(useMemo(() => Object.keys(languageNames), [languageNames]));
  const locale = root?.locale ?? defaultLocale;
  const t = createTranslator(resolveMessages(root?.messages));
  return (
    <I18nProvider locale={locale} languageNames={languageNames}>
      <ConsentProvider locale={locale}>
        <ThemeProvider initial={root?.theme ?? 'system'}>
          <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2">
            {t('nav.skipToContent')}
          </a>
          <SiteHeader user={root?.user ?? null} />
          <main id="main" className="flex-1">
            {children}
          </main>
          <SiteFooter />
          <CookieBanner />
          <CookiePreferencesDialog />
        </ThemeProvider>
      </ConsentProvider>
    </I18nProvider>
  );
}

export default function App() {
  return (
    <Shell>
      <Outlet />
    </Shell>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const root = useRouteLoaderData<typeof loader>('root');
  const locale = root?.locale ?? defaultLocale;
  const t = createTranslator(resolveMessages(root?.messages));
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  const title = t(notFound ? 'notFound.title' : 'error.page.title');
  return (
    <Shell>
      <title>{`${title} · ${t('site.name')}`}</title>
      <section className="mx-auto max-w-xl px-4 py-24 text-center">
        <p className="text-sm font-semibold text-primary">{notFound ? '404' : '500'}</p>
        <h1 className="mt-2 text-3xl font-bold">{title}</h1>
        <p className="mt-4 text-muted-foreground">{t(notFound ? 'notFound.body' : 'error.page.body')}</p>
        <a href={`/${locale}`} className="mt-8 inline-block text-primary underline underline-offset-4">
          {t('notFound.home')}
        </a>
      </section>
    </Shell>
  );
}

/** The header shows who is signed in, so root data is fresh after every navigation and action. */
export function shouldRevalidate() {
  return true;
}
