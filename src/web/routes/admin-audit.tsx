/**
 * Admin: the audit log (issue 4, part 9). Newest first, a page at a time
 * ("Load more" follows the API's cursor): when, who, what, on which target,
 * and what changed from what to what. The log never holds a secret; a key
 * appears as its hint.
 */
import { useCallback } from 'react';
import type { Route } from './+types/admin-audit';
import { listAudit } from '../components/admin/api';
import { AuditEntry } from '../components/admin/audit-entry';
import { LoadMore } from '../components/generation/load-more';
import { useCursorList } from '../components/generation/use-cursor-list';
import { Button } from '../components/ui/button';
import { Alert } from '../components/ui/card';
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
    <div className="mt-6 grid grid-cols-1 gap-6">
      <div>
        <h1 className="text-2xl font-bold">{t('admin.audit.heading')}</h1>
        <p className="mt-1 text-sm text-muted-foreground">{t('admin.audit.intro')}</p>
      </div>
      {list.status === 'loading' ? (
        <div className="grid grid-cols-1 gap-2" aria-busy="true">
          <p className="sr-only" role="status">
            {t('admin.loading')}
          </p>
          {[0, 1, 2, 3].map((i) => (
            <div
              key={i}
              aria-hidden
              className="h-16 animate-pulse rounded-md bg-muted motion-reduce:animate-none"
            />
          ))}
        </div>
      ) : list.status === 'error' ? (
        <div className="grid justify-items-start gap-3">
          <Alert tone="error">{t('admin.loadFailed')}</Alert>
          <Button variant="outline" onClick={list.reload}>
            {t('admin.retry')}
          </Button>
        </div>
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
    </div>
  );
}
