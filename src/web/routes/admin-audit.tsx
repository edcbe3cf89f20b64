/**
 * Admin: the audit log (issue 4, part 9). Newest first, a page at a time
 * ("Load more" follows the API's cursor): when, who, what, on which target,
 * and what changed from what to what. The log never holds a secret; a key
 * appears as its hint. Above it, the Stripe events that need an admin
 * (components/admin/stripe-events.tsx).
 */
import { useCallback } from 'react';
import type { Route } from './+types/admin-audit';
import { AdminPage } from '../components/admin/admin-page';
import { listAudit } from '../components/admin/api';
import { AuditEntry } from '../components/admin/audit-entry';
import { StripeEventsPanel } from '../components/admin/stripe-events';
import { LoadMore } from '../components/generation/load-more';
import { useCursorList } from '../components/generation/use-cursor-list';
import { ListSkeleton, LoadFailed } from '../components/ui/load-states';
import { useI18n } from '../lib/i18n';
import { pageMeta } from '../lib/meta';

export const meta: Route.MetaFunction = (args) => [
  ...pageMeta(args, { title: 'admin.audit.title', description: 'admin.audit.description' }, '/admin/audit'),
  { name: 'robots', content: 'noindex' },
];

export default function AdminAudit() {
  const { t, locale } = useI18n();
  const fetchPage = useCallback((cursor: string | null) => listAudit(cursor, locale), [locale]);
  const list = useCursorList(fetchPage);

  return (
    <AdminPage heading={t('admin.audit.heading')} intro={t('admin.audit.intro')}>
      <StripeEventsPanel />
      <h2 className="mb-3 text-lg font-semibold">{t('admin.audit.logHeading')}</h2>
      {list.status === 'loading' ? (
        <ListSkeleton
          label={t('admin.loading')}
          count={4}
          className="grid grid-cols-1 gap-2"
          itemClassName="h-16 rounded-md"
        />
      ) : list.status === 'error' ? (
        <LoadFailed message={t('admin.loadFailed')} retryLabel={t('admin.retry')} onRetry={list.reload} />
      ) : list.items.length === 0 ? (
        <p className="rounded-lg border border-dashed p-8 text-center text-sm text-muted-foreground">
          {t('admin.audit.empty')}
        </p>
      ) : (
        <div>
          <ol className="divide-y rounded-lg border bg-card" data-testid="audit-list">
            {list.items.map((item) => (
              <AuditEntry key={item.id} item={item} />
            ))}
          </ol>
          <LoadMore
            list={list}
            testId="audit-load-more"
            texts={{
              loadMore: t('admin.audit.loadMore'),
              loadingMore: t('admin.audit.loadingMore'),
              failed: t('admin.audit.loadMoreFailed'),
              end: t('admin.audit.end'),
            }}
          />
        </div>
      )}
    </AdminPage>
  );
}
