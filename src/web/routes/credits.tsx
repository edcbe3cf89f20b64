import { useCallback, useEffect, useState } from 'react';
import type { Route } from './+types/credits';
import { entryChanges, generationOf, knownReason } from '../components/credits/ledger';
import { listCreditHistory } from '../components/generation/api';
import { formatDateTime, formatNumber, signedNumber } from '../components/generation/format';
import type { CreditEntry } from '../components/generation/types';
import { AppLink } from '../components/ui/app-link';
import { buttonClasses } from '../components/ui/button';
import { Alert, Card } from '../components/ui/card';
import { ListSkeleton, LoadFailed } from '../components/ui/load-states';
import { cn } from '../lib/cn';
import { refreshCreditBalance, useKnownCreditBalance } from '../lib/credit-balance';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';
import { LoadMore } from '../components/generation/load-more';
import { useCursorList } from '../components/generation/use-cursor-list';

export const meta: Route.MetaFunction = (args) => [
  ...pageMeta(args, { title: 'credits.title', description: 'credits.description' }, '/credits'),
  { name: 'robots', content: 'noindex' },
];

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'credits') };
}

export default function Credits() {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const balance = useKnownCreditBalance();
  const [balanceFailed, setBalanceFailed] = useState(false);
  const fetchPage = useCallback((cursor: string | null) => listCreditHistory(cursor, locale), [locale]);
  const list = useCursorList(fetchPage);

  // This page is about the balance, so it is always read fresh.
  useEffect(() => {
    void refreshCreditBalance(locale).then((fresh) => setBalanceFailed(fresh === null));
  }, [locale]);

  return (
    <div className="mx-auto max-w-4xl px-4 py-8">
      <h1 className="text-2xl font-bold">{t('credits.heading')}</h1>

      <section aria-label={t('credits.heading')} className="mt-6 grid gap-4 sm:grid-cols-2">
        <Card className="p-5">
          <h2 className="text-sm text-muted-foreground">{t('credits.available')}</h2>
          <p className="mt-1 text-4xl font-bold tabular-nums" data-testid="credits-available">
            {balance ? formatNumber(locale, balance.available) : '—'}
          </p>
          <p className="mt-2 text-xs text-muted-foreground">{t('credits.availableHint')}</p>
        </Card>
        <Card className="p-5">
          <h2 className="text-sm text-muted-foreground">{t('credits.held')}</h2>
          <p className="mt-1 text-4xl font-bold tabular-nums" data-testid="credits-held">
            {balance ? formatNumber(locale, balance.held) : '—'}
          </p>
          <p className="mt-2 text-xs text-muted-foreground">{t('credits.heldHint')}</p>
        </Card>
        {balanceFailed && !balance ? (
          <Alert tone="error" className="sm:col-span-2">
            {t('credits.balanceFailed')}
          </Alert>
        ) : null}
        <div className="flex flex-wrap gap-2 sm:col-span-2">
          <AppLink to={localePath('/pricing')} className={buttonClasses('primary', 'md')}>
            {t('credits.getMore')}
          </AppLink>
          <AppLink to={localePath('/generate')} className={buttonClasses('outline', 'md')}>
            {t('credits.generate')}
          </AppLink>
        </div>
      </section>

      <section aria-labelledby="credit-history-heading" className="mt-10">
        <h2 id="credit-history-heading" className="text-lg font-semibold">
          {t('credits.historyHeading')}
        </h2>
        {list.status === 'loading' ? (
          <ListSkeleton
            label={t('credits.loading')}
            count={4}
            className="mt-4 grid gap-2"
            itemClassName="h-16 rounded-md"
          />
        ) : list.status === 'error' ? (
          <LoadFailed
            className="mt-4 grid justify-items-start gap-3"
            message={t('credits.loadFailed')}
            retryLabel={t('credits.retry')}
            onRetry={list.reload}
          />
        ) : list.items.length === 0 ? (
          <p className="mt-4 rounded-lg border border-dashed p-8 text-center text-sm text-muted-foreground">
            {t('credits.empty')}
          </p>
        ) : (
          <>
            <ol className="mt-4 divide-y rounded-lg border bg-card" data-testid="credit-history">
              {list.items.map((entry) => (
                <EntryRow key={entry.id} entry={entry} />
              ))}
            </ol>
            <LoadMore
              list={list}
              testId="credits-load-more"
              texts={{
                loadMore: t('credits.loadMore'),
                loadingMore: t('credits.loadingMore'),
                failed: t('credits.loadMoreFailed'),
                end: t('credits.end'),
              }}
            />
          </>
        )}
      </section>
    </div>
  );
}

function EntryRow({ entry }: { entry: CreditEntry }) {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const { primary, changes } = entryChanges(entry);
  const generationId = generationOf(entry);
  const reason = knownReason(entry.reason);
  return (
    <li className="flex items-start gap-4 px-4 py-3" data-testid="credit-entry" data-kind={entry.kind}>
      <div className="grid min-w-0 flex-1 gap-1">
        <p className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <span className="font-medium">{t(`credits.kind.${entry.kind}`)}</span>
          <time dateTime={entry.createdAt} className="text-xs text-muted-foreground">
            {formatDateTime(locale, entry.createdAt)}
          </time>
        </p>
        {entry.reason ? (
          <p className="text-sm break-words text-muted-foreground">
            {reason ? t(`credits.reason.${reason}`) : entry.reason}
          </p>
        ) : null}
        {generationId ? (
          <AppLink
            to={localePath(`/history?open=${encodeURIComponent(generationId)}`)}
            className="text-sm text-primary underline underline-offset-4"
          >
            {t('credits.viewGeneration')}
          </AppLink>
        ) : null}
      </div>
      <div className="shrink-0 text-right">
        <p
          className={cn(
            'text-lg font-semibold tabular-nums',
            primary.amount > 0 && primary.balance === 'available' && 'text-success',
          )}
          aria-hidden
        >
          {signedNumber(locale, primary.amount)}
        </p>
        <p className="text-xs text-muted-foreground">
          {changes
            .map((change) =>
              t(`credits.change.${change.balance}`, { amount: signedNumber(locale, change.amount) }),
            )
            .join(' · ') ||
            t(`credits.change.${primary.balance}`, { amount: signedNumber(locale, primary.amount) })}
        </p>
      </div>
    </li>
  );
}
