import { useEffect, useState } from 'react';
import { AppLink } from '../ui/app-link';
import { Form, useLocation, useNavigate } from 'react-router';
import { themes, type Theme } from '../../../shared/theme';
import { countText, formatNumber } from '../../lib/count-text';
import { apiFetch } from '../../lib/api';
import { cn } from '../../lib/cn';
import {
  resetCreditBalance,
  useCreditBalanceFallback,
  useKnownCreditBalance,
} from '../../lib/credit-balance';
import { switchLocalePath, useI18n, useLocalePath } from '../../lib/i18n';
import { useTheme } from '../../lib/theme';
import { buttonClasses } from '../ui/button';

export interface HeaderUser {
  name: string;
  email: string;
  /** 'admin' shows the Admin link (the admin pages answer 404 to everyone else anyway). */
  role?: string;
}

/**
 * The header's menus are native <details> (they work before hydration).
 * Once hydrated they also close like menus do: on a click elsewhere, on
 * Escape (focus returns to the menu button) and after a navigation.
 */
function useMenusCloseLikeMenus(pathname: string) {
  useEffect(() => {
    const openMenus = () => document.querySelectorAll<HTMLDetailsElement>('header details[open]');
    const onClick = (event: MouseEvent) => {
      for (const menu of openMenus()) if (!menu.contains(event.target as Node)) menu.open = false;
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      for (const menu of openMenus()) {
        menu.open = false;
        menu.querySelector('summary')?.focus();
      }
    };
    document.addEventListener('click', onClick);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('click', onClick);
      document.removeEventListener('keydown', onKey);
    };
  }, []);
  useEffect(() => {
    for (const menu of document.querySelectorAll<HTMLDetailsElement>('header details[open]'))
      menu.open = false;
  }, [pathname]);
}

/** The header's links; `generate` (first) only for members. */
const mainPages = ['generate', 'pricing', 'faq', 'contact'] as const;

export function SiteHeader({ user }: { user: HeaderUser | null }) {
  const { t } = useI18n();
  const localePath = useLocalePath();
  const { pathname } = useLocation();
  useMenusCloseLikeMenus(pathname);
  // Every change of member passes through "signed out", where the balance is forgotten.
  const signedIn = user !== null;
  useEffect(() => {
    if (!signedIn) resetCreditBalance();
  }, [signedIn]);
  const navLink = (path: string) => ({
    className: cn('nav-link', pathname === path && 'font-semibold'),
    'aria-current': pathname === path ? ('page' as const) : undefined,
  });
  return (
    <header className="sticky top-0 z-30 border-b bg-background/90 backdrop-blur">
      <div className="mx-auto flex h-16 max-w-6xl items-center gap-2 px-4">
        <AppLink
          to={localePath('/')}
          className="mr-2 flex items-center gap-2 font-semibold"
          aria-label={t('site.homeLink')}
        >
          <span aria-hidden className="logo-mark" />
          <span className="hidden sm:inline">{t('site.name')}</span>
        </AppLink>
        <nav aria-label={t('nav.main')} className="hidden items-center md:flex">
          {(user ? mainPages : mainPages.slice(1)).map((page) => (
            <AppLink key={page} to={localePath(`/${page}`)} {...navLink(localePath(`/${page}`))}>
              {t(`nav.${page}`)}
            </AppLink>
          ))}
        </nav>
        <div className="ml-auto flex items-center gap-1">
          <LanguageSwitcher />
          <ThemeToggle />
          {user ? (
            <>
              <CreditChip />
              <AccountMenu user={user} />
            </>
          ) : (
            <>
              <AppLink
                to={localePath('/sign-in')}
                className={buttonClasses('ghost', 'sm', 'hidden sm:inline-flex')}
              >
                {t('nav.signIn')}
              </AppLink>
              <AppLink to={localePath('/sign-up')} className={buttonClasses('primary', 'sm')}>
                {t('nav.signUp')}
              </AppLink>
            </>
          )}
        </div>
      </div>
    </header>
  );
}

export function LanguageSwitcher() {
  const { locale, t, languageNames } = useI18n();
  const location = useLocation();
  const locales = Object.keys(languageNames);
  return (
    <details className="relative">
      <summary
        className={buttonClasses('ghost', 'sm', 'cursor-pointer list-none')}
        aria-label={t('nav.language')}
        data-testid="language-switcher"
      >
        <span aria-hidden="true" className="line-icon line-icon-globe" />
        <span className="hidden sm:inline">{languageNames[locale]}</span>
      </summary>
      <ul className="menu min-w-36">
        {locales.map((target) => (
          <li key={target}>
            <AppLink
              to={switchLocalePath(location.pathname, target, locales) + location.search}
              hrefLang={target}
              lang={target}
              aria-current={target === locale ? 'true' : undefined}
              className={cn('menu-item', target === locale && 'font-semibold')}
              onClick={(event) => event.currentTarget.closest('details')?.removeAttribute('open')}
            >
              {languageNames[target]}
            </AppLink>
          </li>
        ))}
      </ul>
    </details>
  );
}

const themeIcons: Record<Theme, string> = { system: 'monitor', light: 'sun', dark: 'moon' };

export function ThemeToggle() {
  const { theme, setTheme } = useTheme();
  const { t } = useI18n();
  const next = themes[(themes.indexOf(theme) + 1) % themes.length] ?? 'system';
  return (
    <button
      type="button"
      className={buttonClasses('ghost', 'icon')}
      onClick={() => setTheme(next)}
      aria-label={t('theme.toggle', { current: t(`theme.${theme}`), next: t(`theme.${next}`) })}
      title={t(`theme.${theme}`)}
      data-testid="theme-toggle"
      data-theme-current={theme}
    >
      <span aria-hidden="true" className={`line-icon line-icon-${themeIcons[theme]}`} />
    </button>
  );
}

function AccountMenu({ user }: { user: HeaderUser }) {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const signOut = () => {
    setBusy(true);
    apiFetch('/api/auth/sign-out', { method: 'POST', body: {}, locale })
      .catch(() => undefined)
      .finally(() => {
        setBusy(false);
        void navigate(localePath('/'), { replace: true });
      });
  };
  return (
    <details className="relative" data-testid="account-menu">
      <summary
        className={buttonClasses('outline', 'sm', 'cursor-pointer list-none')}
        aria-label={t('nav.account')}
      >
        <span
          aria-hidden
          className="grid size-6 place-items-center rounded-full bg-primary text-xs text-primary-foreground"
        >
          {user.name.slice(0, 1).toUpperCase()}
        </span>
        <span className="hidden max-w-32 truncate sm:inline">{user.name}</span>
      </summary>
      <div className="menu w-56">
        <p className="truncate px-3 py-2 text-xs text-muted-foreground">{user.email}</p>
        {(['dashboard', 'generate', 'compare', 'history', 'credits', 'billing'] as const).map((page) => (
          <AppLink key={page} to={localePath(`/${page}`)} className="menu-item">
            {t(`nav.${page}`)}
          </AppLink>
        ))}
        {user.role === 'admin' ? (
          <AppLink to={localePath('/admin')} className="menu-item" data-testid="admin-link">
            {t('nav.admin')}
          </AppLink>
        ) : null}
        <Form
          onSubmit={(event) => {
            event.preventDefault();
            signOut();
          }}
        >
          <button type="submit" disabled={busy} className="menu-item w-full text-left" data-testid="sign-out">
            {t('nav.signOut')}
          </button>
        </Form>
      </div>
    </details>
  );
}

/**
 * The signed-in member's balance, linking to the credits page. Shown once a
 * figure is known (the member pages' loader data, or a page that fetched it);
 * the word "credits" hides on narrow screens, the link's name keeps it.
 */
function CreditChip() {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const balance = useKnownCreditBalance();
  useCreditBalanceFallback(balance, locale);
  if (!balance) return null;
  const text = countText(t, locale, 'nav.balance', balance.available);
  return (
    <AppLink
      to={localePath('/credits')}
      className={buttonClasses('ghost', 'sm', 'gap-1 px-2 tabular-nums')}
      aria-label={t('nav.balanceLabel', { balance: text })}
      data-testid="credit-chip"
    >
      <span aria-hidden className="text-primary">
        ◎
      </span>
      <span className="hidden sm:inline">{text}</span>
      <span className="sm:hidden">{formatNumber(locale, balance.available)}</span>
    </AppLink>
  );
}
