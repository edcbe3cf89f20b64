import {
  data,
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteError,
  useRouteLoaderData,
  type LinksFunction,
} from 'react-router';
import type { Route } from './+types/root';
import { isLocale, negotiateLocale, translate, defaultLocale } from '../i18n';
import { cookieName } from '../shared/cookie-registry';
import { parseTheme, readCookie } from '../shared/theme';
import { appContext } from './app-context';
import { CookieBanner, CookiePreferencesDialog } from './components/consent/cookie-banner';
import { SiteFooter } from './components/site/site-footer';
import { SiteHeader } from './components/site/site-header';
import { ConsentProvider } from './lib/consent';
import { I18nProvider } from './lib/i18n';
import { ThemeProvider } from './lib/theme';
import stylesheet from './app.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesheet },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export async function loader({ request, context }: Route.LoaderArgs) {
  const app = context.get(appContext);
  const url = new URL(request.url);
  const first = url.pathname.split('/')[1];
  const locale = isLocale(first)
    ? first
    : (negotiateLocale(request.headers.get('accept-language')) ?? defaultLocale);
  const theme = parseTheme(readCookie(request.headers.get('cookie'), cookieName('theme', app?.secureCookies ?? false)));
  const session = app ? await app.getSession() : null;
  return data({
    locale,
    theme,
    user: session ? { name: session.user.name, email: session.user.email, role: session.user.role } : null,
  });
}

export type RootData = Awaited<ReturnType<typeof loader>>['data'];

export function Layout({ children }: { children: React.ReactNode }) {
  const root = useRouteLoaderData<typeof loader>('root');
  const locale = root?.locale ?? defaultLocale;
  const theme = root?.theme ?? 'system';
  return (
    <html lang={locale} data-theme={theme} className={theme === 'system' ? undefined : theme}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <Meta />
        <Links />
      </head>
      <body className="flex min-h-dvh flex-col bg-background text-foreground antialiased">
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

function Shell({ children }: { children: React.ReactNode }) {
  const root = useRouteLoaderData<typeof loader>('root');
  const locale = root?.locale ?? defaultLocale;
  return (
    <I18nProvider locale={locale}>
      <ConsentProvider locale={locale}>
        <ThemeProvider initial={root?.theme ?? 'system'}>
          <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2">
            {translate(locale, 'nav.skipToContent')}
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
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  const title = translate(locale, notFound ? 'notFound.title' : 'error.page.title');
  return (
    <Shell>
      <title>{`${title} · ${translate(locale, 'site.name')}`}</title>
      <section className="mx-auto max-w-xl px-4 py-24 text-center">
        <p className="text-sm font-semibold text-primary">{notFound ? '404' : '500'}</p>
        <h1 className="mt-2 text-3xl font-bold">{title}</h1>
        <p className="mt-4 text-muted-foreground">
          {translate(locale, notFound ? 'notFound.body' : 'error.page.body')}
        </p>
        <a href={`/${locale}`} className="mt-8 inline-block text-primary underline underline-offset-4">
          {translate(locale, 'notFound.home')}
        </a>
      </section>
    </Shell>
  );
}

/** The header shows who is signed in, so root data is fresh after every navigation and action. */
export function shouldRevalidate() {
  return true;
}
