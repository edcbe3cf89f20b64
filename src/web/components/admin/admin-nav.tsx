/**
 * The admin area's sub-navigation: Providers, Models, Members, Audit log. Scrolls
 * sideways on narrow screens rather than wrapping; the current page is
 * marked with aria-current.
 */
import { useLocation } from 'react-router';
import { cn } from '../../lib/cn';
import { useI18n, useLocalePath } from '../../lib/i18n';
import { AppLink } from '../ui/app-link';

const pages = [
  { path: '/admin', label: 'admin.nav.providers' },
  { path: '/admin/models', label: 'admin.nav.models' },
  { path: '/admin/members', label: 'admin.nav.members' },
  { path: '/admin/audit', label: 'admin.nav.audit' },
] as const;

export function AdminNav() {
  const { t } = useI18n();
  const localePath = useLocalePath();
  const { pathname } = useLocation();
  const current = pathname.replace(/\/+$/, '');
  return (
    <nav aria-label={t('admin.nav.label')} className="-mx-4 overflow-x-auto px-4" data-testid="admin-nav">
      <ul className="flex min-w-max gap-1 border-b">
        {pages.map((page) => {
          const to = localePath(page.path);
          const isCurrent = current === to;
          return (
            <li key={page.path}>
              <AppLink
                to={to}
                aria-current={isCurrent ? 'page' : undefined}
                className={cn(
                  '-mb-px inline-block border-b-2 px-3 py-2 text-sm hover:text-foreground',
                  isCurrent
                    ? 'border-primary font-semibold text-foreground'
                    : 'border-transparent text-muted-foreground',
                )}
              >
                {t(page.label)}
              </AppLink>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
