/**
 * Stripe events an admin should look at (decision 020), above the audit
 * log: `flagged` (an unknown customer, price or session; a claw-back that
 * could not take everything; an allowance for a period already over),
 * `deferred` (a refund waiting for its purchase) and `received` (not yet
 * applied). Each shows its type, the Stripe object to search for in
 * Stripe's dashboard, and why it is there. Read-only: what to do about one
 * (grant by hand, refund in Stripe) happens elsewhere.
 */
import { useCallback, useState } from 'react';
import type { AdminStripeEvent } from '../../../shared/billing';
import { apiFetch } from '../../lib/api';
import { cn } from '../../lib/cn';
import { useI18n } from '../../lib/i18n';
import { formatDateTime } from '../generation/format';
import { LoadMore } from '../generation/load-more';
import type { CursorPage } from '../generation/types';
import { useCursorList } from '../generation/use-cursor-list';
import { ListSkeleton, LoadFailed } from '../ui/load-states';

const statuses = ['flagged', 'deferred', 'received'] as const;
type Status = (typeof statuses)[number];

function listStripeEvents(status: Status, cursor: string | null, locale: string) {
  const params = new URLSearchParams({ status, limit: '20' });
  if (cursor) params.set('cursor', cursor);
  return apiFetch<CursorPage<AdminStripeEvent>>(`/api/admin/billing/events?${params.toString()}`, {
    locale,
  });
}

export function StripeEventsPanel() {
  const { t, locale } = useI18n();
  const [status, setStatus] = useState<Status>('flagged');
  const fetchPage = useCallback(
    (cursor: string | null) => listStripeEvents(status, cursor, locale),
    [status, locale],
  );
  const list = useCursorList(fetchPage);

  return (
    <section aria-labelledby="stripe-events-heading" className="mb-8" data-testid="stripe-events">
      <h2 id="stripe-events-heading" className="text-lg font-semibold">
        {t('admin.stripeEvents.heading')}
      </h2>
      <p className="mt-1 text-sm text-muted-foreground">{t('admin.stripeEvents.intro')}</p>
      <div role="group" aria-label={t('admin.stripeEvents.show')} className="mt-3 flex flex-wrap gap-1">
        {statuses.map((option) => (
          <button
            key={option}
            type="button"
            aria-pressed={status === option}
            onClick={() => setStatus(option)}
            className={cn(
              'rounded-md border px-3 py-1 text-sm',
              status === option ? 'bg-primary text-primary-foreground' : 'hover:bg-muted',
            )}
          >
            {t(`admin.stripeEvents.status.${option}`)}
          </button>
        ))}
      </div>
      <div className="mt-3">
        {list.status === 'loading' ? (
          <ListSkeleton
            label={t('admin.loading')}
            count={2}
            className="grid grid-cols-1 gap-2"
            itemClassName="h-12 rounded-md"
          />
        ) : list.status === 'error' ? (
          <LoadFailed message={t('admin.loadFailed')} retryLabel={t('admin.retry')} onRetry={list.reload} />
        ) : list.items.length === 0 ? (
          <p className="rounded-lg border border-dashed p-4 text-center text-sm text-muted-foreground">
            {t('admin.stripeEvents.empty')}
          </p>
        ) : (
          <>
            <ul className="divide-y rounded-lg border bg-card text-sm" data-testid="stripe-events-list">
              {list.items.map((event) => (
                <li key={event.id} className="grid gap-1 p-3 sm:grid-cols-[12rem_1fr]">
                  <div>
                    <p className="font-mono text-xs break-all">{event.type}</p>
                    <time dateTime={event.receivedAt} className="text-xs text-muted-foreground">
                      {formatDateTime(locale, event.receivedAt)}
                    </time>
                  </div>
                  <div className="min-w-0">
                    <p className="break-words">{event.note ?? '—'}</p>
                    <p className="mt-1 font-mono text-xs break-all text-muted-foreground">
                      {event.id}
                      {event.objectId ? ` · ${event.objectId}` : ''}
                      {event.source === 'reconciler' ? ` · ${t('admin.stripeEvents.fromReconciler')}` : ''}
                    </p>
                  </div>
                </li>
              ))}
            </ul>
            <LoadMore
              list={list}
              testId="stripe-events-load-more"
              texts={{
                loadMore: t('admin.audit.loadMore'),
                loadingMore: t('admin.audit.loadingMore'),
                failed: t('admin.audit.loadMoreFailed'),
                end: t('admin.stripeEvents.end'),
              }}
            />
          </>
        )}
      </div>
    </section>
  );
}
