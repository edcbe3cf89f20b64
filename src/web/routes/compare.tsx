/**
 * Side-by-side comparison (issue 4, part 8): one prompt on 2–4 models at
 * once. The form has the prompt and a column per model (model, size or
 * ratio, number of images), shows the total cost before submitting, and
 * sends one POST /api/compare. The results are a column per model, side by
 * side (stacked on phones), each a generation of its own followed live. The
 * URL carries `?id=<compareId>`, so a reload (or a link from the recent
 * list) shows the comparison again and fills the form from it.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { Route } from './+types/compare';
import { createComparison, getComparison, listComparisons } from '../components/compare/api';
import { ColumnFields } from '../components/compare/column-fields';
import {
  addColumn,
  canAddColumn,
  canRemoveColumn,
  compareCost,
  formFromComparison,
  initialCompareForm,
  MAX_COLUMNS,
  promptProblem,
  provisionalColumns,
  removeColumn,
  routeFieldErrors,
  setColumnModel,
  toCompareRequest,
  updateColumn,
  type CompareForm,
  type Comparison,
  type ComparisonSummary,
} from '../components/compare/compare-form';
import { CompareResult } from '../components/compare/compare-result';
import { listModels, newIdempotencyKey } from '../components/generation/api';
import { FormSkeleton } from '../components/generation/form-skeleton';
import { idempotencyKeyFor } from '../components/generation/form-state';
import { countText, formatDateTime, truncate } from '../components/generation/format';
import { Lightbox } from '../components/generation/lightbox';
import { PageNotice, type Notice } from '../components/generation/page-notice';
import {
  BalanceNote,
  RequestForm,
  SubmitErrorBanner,
  submitErrorOf,
  type SubmitError,
} from '../components/generation/submit-parts';
import type { Generation, PublicModel } from '../components/generation/types';
import { AppLink } from '../components/ui/app-link';
import { Button, buttonClasses } from '../components/ui/button';
import { Alert, Card } from '../components/ui/card';
import { Label, Textarea } from '../components/ui/input';
import { ListSkeleton, LoadFailed } from '../components/ui/load-states';
import { ApiError } from '../lib/api';
import { cn } from '../lib/cn';
import { refreshCreditBalance, useKnownCreditBalance } from '../lib/credit-balance';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';

export const meta: Route.MetaFunction = (args) => [
  ...pageMeta(args, { title: 'compare.title', description: 'compare.description' }, '/compare'),
  { name: 'robots', content: 'noindex' },
];

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'compare') };
}

/** Side by side from tablets up; on phones the columns stack. */
const gridColumns: Record<number, string> = {
  1: '',
  2: 'md:grid-cols-2',
  3: 'md:grid-cols-2 lg:grid-cols-3',
  4: 'md:grid-cols-2 xl:grid-cols-4',
};

interface Shown {
  compareId: string;
  prompt: string;
  generations: Generation[];
  /** Date.now() when submitted here; absent for a loaded comparison. */
  localStart?: number | undefined;
  /** Bumped whenever fresh copies arrive, so the columns start again from them. */
  version: number;
}

export default function Compare() {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const [params, setParams] = useSearchParams();
  const id = params.get('id');
  const balance = useKnownCreditBalance();

  const [models, setModels] = useState<PublicModel[] | null>(null);
  const [loadFailed, setLoadFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [form, setForm] = useState<CompareForm | null>(null);
  const [busy, setBusy] = useState(false);
  const [promptError, setPromptError] = useState<string | undefined>();
  /** By column key. */
  const [columnErrors, setColumnErrors] = useState<Record<number, Record<string, string>>>({});
  const [formError, setFormError] = useState<SubmitError | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  /** A ?id= that could not be loaded. */
  const [failedId, setFailedId] = useState<string | null>(null);
  /** The comparison the form was last filled from (or submitted): each fills it once. */
  const [filledFrom, setFilledFrom] = useState<string | null>(null);
  const [recent, setRecent] = useState<ComparisonSummary[] | null>(null);
  const [lightbox, setLightbox] = useState<{ generation: Generation; index: number } | null>(null);
  const [focusResults, setFocusResults] = useState(0);

  const submitting = useRef(false);
  const lastSubmit = useRef<{ key: string; body: string; answered: boolean } | null>(null);
  /** `<compareId>|<locale>` of what is shown, so the URL change after a submit fetches nothing. */
  const loadedKey = useRef<string | null>(null);
  const promptRef = useRef<HTMLTextAreaElement>(null);
  const resultsHeadingRef = useRef<HTMLHeadingElement>(null);

  // The models, once per language (their names are localized).
  useEffect(() => {
    let active = true;
    listModels(locale).then(
      (loaded) => {
        if (!active) return;
        setModels(loaded);
        setLoadFailed(false);
        setForm((current) => current ?? initialCompareForm(loaded) ?? null);
      },
      () => {
        if (active) setLoadFailed(true);
      },
    );
    return () => {
      active = false;
    };
  }, [locale, attempt]);

  // The comparison named by ?id=, unless it is the one just submitted here
  // (or already shown in this language). State changes only when it arrives.
  useEffect(() => {
    if (!id) return;
    const key = `${id}|${locale}`;
    if (loadedKey.current === key) return;
    let active = true;
    getComparison(id, locale).then(
      (comparison: Comparison) => {
        if (!active) return;
        loadedKey.current = key;
        setShown((current) => ({
          compareId: comparison.compareId,
          prompt: comparison.prompt,
          generations: comparison.generations,
          version: (current?.version ?? 0) + 1,
        }));
      },
      () => {
        if (active) setFailedId(id);
      },
    );
    return () => {
      active = false;
    };
  }, [id, locale]);

  // A loaded comparison fills the form once (its prompt and columns), so it
  // can be tweaked and run again. Adjusted while rendering, not in an effect.
  if (shown && models && filledFrom !== shown.compareId) {
    setFilledFrom(shown.compareId);
    const filled = formFromComparison(shown, models);
    if (filled) {
      setForm(filled);
      setPromptError(undefined);
      setColumnErrors({});
      setFormError(null);
    }
  }

  // The recent comparisons, again after each new one.
  const shownId = shown?.compareId;
  useEffect(() => {
    let active = true;
    listComparisons(locale).then(
      (items) => {
        if (active) setRecent(items);
      },
      () => {
        if (active) setRecent(null);
      },
    );
    return () => {
      active = false;
    };
  }, [locale, shownId]);

  // After a submit, focus (and the view) moves to the results, so their arrival is not missed.
  useEffect(() => {
    if (focusResults > 0) resultsHeadingRef.current?.focus();
  }, [focusResults]);

  const submit = () => {
    if (submitting.current || !form || !models) return;
    setNotice(null);
    const problem = promptProblem(form, models);
    if (problem) {
      setPromptError(
        problem.kind === 'required'
          ? t('generate.prompt.required')
          : t('generate.prompt.tooLong', { max: problem.max, over: form.prompt.trim().length - problem.max }),
      );
      setColumnErrors({});
      setFormError({ text: t('generate.fixErrors'), pricing: false });
      promptRef.current?.focus();
      return;
    }
    const request = toCompareRequest(form, models);
    const body = JSON.stringify(request);
    const key = idempotencyKeyFor(lastSubmit.current, body, newIdempotencyKey);
    const record = { key, body, answered: false };
    lastSubmit.current = record;
    const columnKeys = form.columns.map((column) => column.key);
    submitting.current = true;
    setBusy(true);
    setPromptError(undefined);
    setColumnErrors({});
    setFormError(null);
    createComparison(request, { locale, idempotencyKey: key })
      .then(
        (accepted) => {
          record.answered = true;
          const generations = provisionalColumns(accepted, request, models, new Date().toISOString());
          loadedKey.current = `${accepted.compareId}|${locale}`;
          setFilledFrom(accepted.compareId);
          setShown((current) => ({
            compareId: accepted.compareId,
            prompt: request.prompt,
            generations,
            localStart: Date.now(),
            version: (current?.version ?? 0) + 1,
          }));
          setNotice({ tone: 'info', text: t('compare.started') });
          setParams({ id: accepted.compareId }, { preventScrollReset: true });
          setFocusResults((n) => n + 1);
          void refreshCreditBalance(locale);
        },
        (error: unknown) => {
          if (!(error instanceof ApiError) || error.code === 'network') {
            setFormError(submitErrorOf(t, error));
            return;
          }
          record.answered = error.status < 500;
          const routed = routeFieldErrors(error.fields);
          setPromptError(routed.prompt);
          setColumnErrors(
            Object.fromEntries(
              Object.entries(routed.columns).flatMap(([index, fields]) => {
                const columnKey = columnKeys[Number(index)];
                return columnKey === undefined ? [] : [[columnKey, fields]];
              }),
            ),
          );
          setFormError(submitErrorOf(t, error, routed.other));
          if (error.code === 'insufficient_credits') void refreshCreditBalance(locale);
        },
      )
      .finally(() => {
        submitting.current = false;
        setBusy(false);
      });
  };

  const onSettled = useCallback(() => void refreshCreditBalance(locale), [locale]);
  const open = useCallback((generation: Generation, index: number) => setLightbox({ generation, index }), []);

  /** A column's own errors go when it changes. */
  const editColumn = (key: number, next: CompareForm) => {
    setForm(next);
    setColumnErrors((current) => {
      if (!current[key]) return current;
      const { [key]: _dropped, ...rest } = current;
      return rest;
    });
  };

  // What the results show follows the URL: nothing without ?id=, the comparison once it is here.
  const displayed = id && shown?.compareId === id ? shown : null;
  const resultsState = !id || displayed ? 'shown' : failedId === id ? 'failed' : 'loading';

  const cost = form && models ? compareCost(form, models) : undefined;
  const total = cost?.total;
  const credits = (count: number) => countText(t, locale, 'generation.credits', count);

  return (
    <div className="mx-auto max-w-7xl px-4 py-8">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="max-w-3xl">
          <h1 className="text-2xl font-bold">{t('compare.heading')}</h1>
          <p className="mt-1 text-sm text-muted-foreground">{t('compare.intro')}</p>
        </div>
        <AppLink to={localePath('/generate')} className={buttonClasses('outline', 'sm')}>
          {t('nav.generate')}
        </AppLink>
      </div>
      <PageNotice notice={notice} className="mt-2" testId="compare-notice" />

      <Card className="mt-4 p-4 sm:p-6">
        {loadFailed ? (
          <LoadFailed
            message={t('generate.model.loadFailed')}
            retryLabel={t('generate.retry')}
            onRetry={() => setAttempt((n) => n + 1)}
          />
        ) : models && !form ? (
          <Alert>{t('compare.needTwoModels')}</Alert>
        ) : models && form ? (
          <RequestForm busy={busy} onSubmit={submit} testId="compare-form">
            <SubmitErrorBanner error={formError} testId="compare-error" />

            <div className="grid gap-1.5">
              <Label htmlFor="compare-prompt">{t('generate.prompt.label')}</Label>
              <Textarea
                ref={promptRef}
                id="compare-prompt"
                name="prompt"
                rows={3}
                className="min-h-20!"
                required
                placeholder={t('generate.prompt.placeholder')}
                value={form.prompt}
                onChange={(event) => {
                  setForm({ ...form, prompt: event.target.value });
                  if (promptError) setPromptError(undefined);
                }}
                aria-invalid={Boolean(promptError)}
                aria-describedby={promptError ? 'compare-prompt-error' : undefined}
                data-testid="compare-prompt"
              />
              {promptError ? (
                <p id="compare-prompt-error" className="text-sm text-destructive">
                  {promptError}
                </p>
              ) : null}
            </div>

            <fieldset className="grid min-w-0 gap-3">
              <legend className="mb-2 text-sm font-medium">{t('compare.models.legend')}</legend>
              <div className={cn('grid gap-4', gridColumns[form.columns.length])}>
                {form.columns.map((column, index) => (
                  <ColumnFields
                    key={column.key}
                    index={index}
                    column={column}
                    models={models}
                    taken={new Set(form.columns.filter((c) => c.key !== column.key).map((c) => c.modelId))}
                    cost={cost?.columns[index]}
                    errors={columnErrors[column.key]}
                    onModelChange={(modelId) =>
                      editColumn(column.key, setColumnModel(form, column.key, modelId, models))
                    }
                    onChange={(patch) => editColumn(column.key, updateColumn(form, column.key, patch))}
                    onRemove={
                      canRemoveColumn(form)
                        ? () => editColumn(column.key, removeColumn(form, column.key))
                        : undefined
                    }
                  />
                ))}
              </div>
              <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
                <Button
                  variant="outline"
                  size="sm"
                  onClick={() => setForm(addColumn(form, models))}
                  disabled={!canAddColumn(form, models)}
                  aria-describedby="compare-add-hint"
                  data-testid="add-column"
                >
                  {t('compare.addColumn')}
                </Button>
                <span id="compare-add-hint" className="text-xs text-muted-foreground">
                  {t('compare.addColumnHint', { max: MAX_COLUMNS })}
                </span>
              </div>
            </fieldset>

            <div className="grid gap-3 rounded-md border bg-muted/50 p-3 sm:grid-cols-[1fr_auto] sm:items-center">
              <div aria-live="polite" className="grid gap-1 text-sm">
                <p className="flex flex-wrap items-baseline gap-x-3">
                  <span className="text-muted-foreground">{t('compare.total.label')}</span>
                  <span className="font-semibold tabular-nums" data-testid="compare-total">
                    {total !== undefined ? credits(total) : '—'}
                  </span>
                </p>
                <BalanceNote balance={balance} total={total} />
              </div>
              <div className="grid gap-1">
                <Button
                  type="submit"
                  size="lg"
                  className="w-full sm:w-48"
                  disabled={busy}
                  data-testid="compare-submit"
                >
                  {busy ? t('compare.submitting') : t('compare.submit')}
                </Button>
              </div>
              <p className="text-xs text-muted-foreground sm:col-span-2">{t('compare.shortcut')}</p>
            </div>
          </RequestForm>
        ) : (
          <FormSkeleton label={t('generate.model.loading')} />
        )}
      </Card>

      <section aria-labelledby="compare-results-heading" className="mt-8">
        <h2
          ref={resultsHeadingRef}
          id="compare-results-heading"
          tabIndex={-1}
          className="text-lg font-semibold outline-none"
        >
          {t('compare.results.heading')}
        </h2>
        {resultsState === 'loading' ? (
          <ListSkeleton
            label={t('compare.results.loading')}
            count={2}
            className="mt-4 grid gap-4 md:grid-cols-2"
            itemClassName="h-72 rounded-lg border"
          />
        ) : resultsState === 'failed' ? (
          <Alert tone="error" className="mt-4" data-testid="compare-load-failed">
            {t('compare.results.loadFailed')}
          </Alert>
        ) : displayed ? (
          <>
            <p className="mt-1 text-sm break-words text-muted-foreground" data-testid="compare-shown-prompt">
              {t('compare.results.prompt', { prompt: truncate(displayed.prompt, 300) })}
            </p>
            <ul
              className={cn('mt-4 grid gap-4', gridColumns[displayed.generations.length])}
              data-testid="compare-results"
              data-compare-id={displayed.compareId}
            >
              {displayed.generations.map((generation) => (
                <li key={`${generation.id}:${displayed.version}`} className="min-w-0">
                  <CompareResult
                    initial={generation}
                    localStart={displayed.localStart}
                    onSettled={onSettled}
                    onOpen={open}
                  />
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="mt-4 rounded-lg border border-dashed p-8 text-center text-sm text-muted-foreground">
            {t('compare.results.empty')}
          </p>
        )}
      </section>

      {recent && recent.length > 0 ? (
        <section aria-labelledby="compare-recent-heading" className="mt-8">
          <h2 id="compare-recent-heading" className="text-lg font-semibold">
            {t('compare.recent.heading')}
          </h2>
          <ul className="mt-3 grid gap-2" data-testid="compare-recent">
            {recent.map((item) => {
              const isShown = item.compareId === displayed?.compareId;
              return (
                <li key={item.compareId}>
                  <AppLink
                    to={localePath(`/compare?id=${encodeURIComponent(item.compareId)}`)}
                    aria-current={isShown ? 'page' : undefined}
                    className="block rounded-md border p-3 text-sm hover:bg-accent aria-[current=page]:border-primary"
                  >
                    <span className="block truncate font-medium">{truncate(item.prompt, 120)}</span>
                    <span className="mt-0.5 block text-xs text-muted-foreground">
                      {t('compare.recent.models', {
                        models: item.columns.map((column) => column.modelName).join(' · '),
                      })}
                      {' · '}
                      <time dateTime={item.createdAt}>{formatDateTime(locale, item.createdAt)}</time>
                      {isShown ? ` ${t('compare.recent.current')}` : null}
                    </span>
                  </AppLink>
                </li>
              );
            })}
          </ul>
        </section>
      ) : null}

      {lightbox ? (
        <Lightbox
          generation={lightbox.generation}
          index={lightbox.index}
          onIndexChange={(index) => setLightbox((current) => current && { ...current, index })}
          onClose={() => setLightbox(null)}
          actions={() => (
            <AppLink
              to={localePath(`/generate?from=${encodeURIComponent(lightbox.generation.id)}`)}
              className={buttonClasses('outline', 'sm')}
            >
              {t('generation.openInGenerator')}
            </AppLink>
          )}
        />
      ) : null}
    </div>
  );
}
