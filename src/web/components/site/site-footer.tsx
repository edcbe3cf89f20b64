import { useConsent } from '../../lib/consent';
import { AppLink } from '../ui/app-link';
import { useI18n, useLocalePath } from '../../lib/i18n';

export function SiteFooter() {
  const { t } = useI18n();
  const localePath = useLocalePath();
  const { openPreferences } = useConsent();
  const link = 'footer-link';
  return (
    <footer className="mt-16 border-t">
      <div className="mx-auto flex max-w-6xl flex-col gap-4 px-4 py-8 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-sm text-muted-foreground">
          © {new Date().getFullYear()} {t('site.name')}
        </p>
        <nav aria-label={t('nav.footer')} className="flex flex-wrap gap-x-5 gap-y-2">
          <AppLink to={localePath('/pricing')} className={link}>
            {t('nav.pricing')}
          </AppLink>
          <AppLink to={localePath('/faq')} className={link}>
            {t('nav.faq')}
          </AppLink>
          <AppLink to={localePath('/contact')} className={link}>
            {t('nav.contact')}
          </AppLink>
          <AppLink to={localePath('/privacy')} className={link}>
            {t('nav.privacy')}
          </AppLink>
          <AppLink to={localePath('/terms')} className={link}>
            {t('nav.terms')}
          </AppLink>
          <AppLink to={localePath('/cookies')} className={link}>
            {t('nav.cookies')}
          </AppLink>
          <button type="button" className={link} onClick={openPreferences} data-testid="cookie-settings">
            {t('nav.cookieSettings')}
          </button>
        </nav>
      </div>
    </footer>
  );
}
