import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { Route } from './+types/history';
import { deleteGeneration, getGeneration, listGenerations } from '../components/generation/api';
import { isTerminal } from '../components/generation/format';
import { GenerationCard } from '../components/generation/generation-card';
import { Lightbox } from '../components/generation/lightbox';
import type { Generation } from '../components/generation/types';
import { AppLink } from '../components/ui/app-link';
import { Button, buttonClasses } from '../components/ui/button';
import { ListSkeleton, LoadFailed } from '../components/ui/load-states';
import { ApiError } from '../lib/api';
import { refreshCreditBalance } from '../lib/credit-balance';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';
import { LoadMore } from '../components/generation/load-more';
import { useCursorList } from '../components/generation/use-cursor-list';
import { PageNotice, type Notice } from '../components/generation/page-notice';

export const meta: Route.MetaFunction = (args) => [
  ...pageMeta(args, { title: 'history.title', description: 'history.description' }, '/history'),
  { name: 'robots', content: 'noindex' },
];

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'history') };
}

export default function History() {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const [params] = useSearchParams();
  const openId = params.get('open');
  const fetchPage = useCallback((cursor: string | null) => listGenerations(cursor, locale), [locale]);
  const list = useCursorList(fetchPage);
  const [lightbox, setLightbox] = useState<{ generation: Generation; index: number } | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  // ?open=<id> (links from the credit history) opens that generation's details.
  useEffect(() => {
    if (!openId) return;
    let active = true;
    getGeneration(openId, locale).then(
      (generation) => {
        if (active) setLightbox({ generation, index: 0 });
      },
      () => {
        if (active) setNotice({ tone: 'error', text: t('history.openFailed') });
      },
    );
    return () => {
      active = false;
    };
    // `t` follows the locale.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [openId, locale]);

  const open = useCallback((generation: Generation, index: number) => setLightbox({ generation, index }), []);
  const onSettled = useCallback(() => void refreshCreditBalance(locale), [locale]);
  const { remove } = list;
  const onDeleted = useCallback(
    (id: string) => {
      remove(id);
      setNotice({ tone: 'info', text: t('history.deleted') });
      headingRef.current?.focus();
    },
    [remove, t],
  );
  const generatorLink = (generation: Generation) =>
    localePath(`/generate?from=${encodeURIComponent(generation.id)}`);

  return (
    <div className="mx-auto max-w-4xl px-4 py-8">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 ref={headingRef} tabIndex={-1} className="text-2xl font-bold outline-none">
            {t('history.heading')}
          </h1>
          <p className="mt-1 text-sm text-muted-foreground">{t('history.intro')}</p>
        </div>
        <AppLink to={localePath('/generate')} className={buttonClasses('primary', 'md')}>
          {t('history.newGeneration')}
        </AppLink>
      </div>
      <PageNotice notice={notice} className="mt-3" testId="history-notice" />

      {list.status === 'loading' ? (
        <ListSkeleton
          label={t('history.loading')}
          count={3}
          className="mt-4 grid gap-4"
          itemClassName="h-44 rounded-lg border"
        />
      ) : list.status === 'error' ? (
        <LoadFailed
          className="mt-4 grid justify-items-start gap-3"
          message={t('history.loadFailed')}
          retryLabel={t('history.retry')}
          onRetry={list.reload}
        />
      ) : list.items.length === 0 ? (
        <div className="mt-4 rounded-lg border border-dashed p-10 text-center">
          <p className="text-muted-foreground">{t('history.empty')}</p>
          <AppLink to={localePath('/generate')} className={buttonClasses('primary', 'md', 'mt-4')}>
            {t('history.emptyCta')}
          </AppLink>
        </div>
      ) : (
        <>
          <ul className="mt-4 grid gap-4" data-testid="history-list">
            {list.items.map((generation) => (
              <li key={generation.id}>
                <GenerationCard
                  initial={generation}
                  variant="history"
                  onOpen={open}
                  onSettled={onSettled}
                  actions={(current) => (
                    <>
                      <Button variant="outline" size="sm" onClick={() => open(current, 0)}>
                        {t('generation.details.show')}
                      </Button>
                      <AppLink to={generatorLink(current)} className={buttonClasses('ghost', 'sm')}>
                        {t('generation.openInGenerator')}
                      </AppLink>
                      {isTerminal(current.status) ? (
                        <DeleteControl generation={current} onDeleted={onDeleted} />
                      ) : null}
                    </>
                  )}
                />
              </li>
            ))}
          </ul>
          <LoadMore
            list={list}
            testId="history-load-more"
            texts={{
              loadMore: t('history.loadMore'),
              loadingMore: t('history.loadingMore'),
              failed: t('history.loadMoreFailed'),
              end: t('history.end'),
            }}
          />
        </>
      )}

      {lightbox ? (
        <Lightbox
          generation={lightbox.generation}
          index={lightbox.index}
          onIndexChange={(index) => setLightbox((current) => current && { ...current, index })}
          onClose={() => setLightbox(null)}
          actions={() => (
            <AppLink to={generatorLink(lightbox.generation)} className={buttonClasses('outline', 'sm')}>
              {t('generation.openInGenerator')}
            </AppLink>
          )}
        />
      ) : null}
    </div>
  );
}

/**
 * Delete, with a confirm step in place: the question and its two answers
 * replace the button, focus goes to the safe answer ("Keep"), Escape keeps.
 */
function DeleteControl({
  generation,
  onDeleted,
}: {
  generation: Generation;
  onDeleted: (id: string) => void;
}) {
  const { t, locale } = useI18n();
  const [stage, setStage] = useState<'idle' | 'confirm' | 'deleting'>('idle');
  const [error, setError] = useState<string | undefined>();
  const keepRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  const questionId = useId();

  useEffect(() => {
    if (stage === 'confirm') keepRef.current?.focus();
    if (stage === 'idle' && returnFocus.current) {
      returnFocus.current = false;
      deleteRef.current?.focus();
    }
  }, [stage]);

  const keep = () => {
    returnFocus.current = true;
    setStage('idle');
  };

  const confirm = () => {
    setStage('deleting');
    setError(undefined);
    deleteGeneration(generation.id, locale).then(
      () => onDeleted(generation.id),
      (failure: unknown) => {
        setError(
          failure instanceof ApiError && failure.code !== 'network'
            ? failure.message || t('error.internal')
            : t('error.network'),
        );
        setStage('confirm');
      },
    );
  };

  if (stage === 'idle') {
    return (
      <Button
        ref={deleteRef}
        variant="ghost"
        size="sm"
        className="text-destructive"
        onClick={() => setStage('confirm')}
        data-testid="delete-generation"
      >
        {t('history.delete')}
      </Button>
    );
  }
  return (
    <div
      role="group"
      aria-labelledby={questionId}
      className="flex w-full flex-wrap items-center gap-2 rounded-md border border-destructive/50 p-2 text-sm"
      onKeyDown={(event) => {
        if (event.key === 'Escape' && stage === 'confirm') {
          event.preventDefault();
          keep();
        }
      }}
    >
      <span id={questionId} className="mr-auto">
        {t('history.deleteConfirm')}
      </span>
      <Button
        variant="destructive"
        size="sm"
        onClick={confirm}
        disabled={stage === 'deleting'}
        data-testid="confirm-delete"
      >
        {stage === 'deleting' ? t('history.deleting') : t('history.deleteYes')}
      </Button>
      <Button ref={keepRef} variant="outline" size="sm" onClick={keep} disabled={stage === 'deleting'}>
        {t('history.deleteNo')}
      </Button>
      {error ? (
        <p role="alert" className="w-full text-destructive">
          {error}
        </p>
      ) : null}
    </div>
  );
}
