/**
 * One column of a comparison's results: the model's name, its live status
 * (the generator's event stream with its polling fallback), its images
 * (which open the lightbox at full size), the time it took and the credits
 * it was charged, or refunded with the server's message when it failed.
 * While it runs it can be canceled on its own: each column holds its own
 * credits.
 */
import { useId, useState } from 'react';
import { ApiError } from '../../lib/api';
import { cn } from '../../lib/cn';
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import { cancelGeneration } from '../generation/api';
import { costNote, elapsedMs, formatElapsed, isTerminal, truncate } from '../generation/format';
import { StatusBadge } from '../generation/status-badge';
import type { Generation } from '../generation/types';
import { useClock, useLiveGeneration } from '../generation/use-live-generation';
import { formatDuration, timeTaken } from './compare-form';

export interface CompareResultProps {
  initial: Generation;
  /** When this browser submitted it (Date.now()), for a stopwatch that ignores server clock skew. */
  localStart?: number | undefined;
  /** Called once when a column that was running here ends. */
  onSettled: (generation: Generation) => void;
  /** Opens the lightbox at an image. */
  onOpen: (generation: Generation, index: number) => void;
}

export function CompareResult({ initial, localStart, onSettled, onOpen }: CompareResultProps) {
  const { t, locale } = useI18n();
  const live = useLiveGeneration(initial, locale, onSettled);
  const generation = live.generation;
  const running = !isTerminal(generation.status);
  const now = useClock(running);
  const headingId = useId();
  const [canceling, setCanceling] = useState(false);
  const [cancelError, setCancelError] = useState<string | undefined>();

  const cancel = () => {
    setCanceling(true);
    setCancelError(undefined);
    cancelGeneration(generation.id, locale)
      .then(live.apply, (error: unknown) => {
        setCancelError(
          error instanceof ApiError && error.code !== 'network'
            ? error.message || t('error.internal')
            : t('error.network'),
        );
      })
      .finally(() => setCanceling(false));
  };

  const stopwatch = formatElapsed(elapsedMs(generation, now, localStart));
  const taken = timeTaken(generation);
  const total = formatDuration(locale, taken.totalMs);
  const run = formatDuration(locale, taken.runMs);
  const statusText = running
    ? t(`generation.progress.${generation.status === 'queued' ? 'queued' : 'running'}`)
    : generation.status === 'failed'
      ? (generation.errorMessage ?? t('generation.failed'))
      : generation.status === 'canceled'
        ? (generation.errorMessage ?? t('generation.canceledNote'))
        : t('generation.status.succeeded');

  return (
    <article
      aria-labelledby={headingId}
      className="grid min-w-0 content-start gap-3 rounded-lg border bg-card p-4 text-card-foreground shadow-sm"
      data-testid="compare-result"
      data-generation-id={generation.id}
      data-model-id={generation.modelId}
      data-status={generation.status}
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={headingId} className="font-semibold break-words" data-testid="result-model">
          {generation.modelName}
        </h3>
        <StatusBadge status={generation.status} />
      </div>

      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm">
        <dt className="text-muted-foreground">{t('generation.details.duration')}</dt>
        <dd className="tabular-nums" data-testid="result-time">
          {running ? (
            <span role="timer" aria-label={t('compare.result.running', { time: stopwatch })}>
              {stopwatch}
            </span>
          ) : (
            <>
              {total ?? '—'}
              {run !== null && total !== null ? (
                <span className="text-muted-foreground"> · {t('compare.result.runTime', { time: run })}</span>
              ) : null}
            </>
          )}
        </dd>
        <dt className="text-muted-foreground">{t('generation.details.cost')}</dt>
        <dd data-testid="result-cost">{costNote(t, locale, generation)}</dd>
      </dl>

      {/* One status line for the whole life of the column, so each change is announced. */}
      <p
        role="status"
        className={cn(
          'text-sm',
          running && 'text-muted-foreground',
          generation.status === 'failed' && 'text-destructive',
          generation.status === 'canceled' && 'text-muted-foreground',
          generation.status === 'succeeded' && 'sr-only',
        )}
        data-testid="result-status"
      >
        {statusText}
      </p>
      {running ? (
        <div
          className="progress-track"
          data-phase={generation.status}
          role="progressbar"
          aria-label={t('generation.progress.label')}
          aria-valuetext={statusText}
        />
      ) : null}
      {live.failures > 0 ? (
        <p className="text-xs text-muted-foreground">{t('generation.reconnecting')}</p>
      ) : null}
      {live.lost ? <p className="text-sm text-muted-foreground">{t('generation.lost')}</p> : null}
      {cancelError ? (
        <p role="alert" className="text-sm text-destructive">
          {cancelError}
        </p>
      ) : null}

      <Images generation={generation} onOpen={onOpen} />

      {running ? (
        <div>
          <Button
            variant="outline"
            size="sm"
            onClick={cancel}
            disabled={canceling}
            data-testid="cancel-column"
          >
            {canceling ? t('generation.canceling') : t('generation.cancel')}
          </Button>
        </div>
      ) : null}
    </article>
  );
}

function Images({ generation, onOpen }: Pick<CompareResultProps, 'onOpen'> & { generation: Generation }) {
  const { t } = useI18n();
  const running = !isTerminal(generation.status);
  const total = generation.images.length;
  const grid = cn('grid gap-2', Math.max(generation.n, total) > 1 && 'grid-cols-2');

  if (running) {
    return (
      <div className={grid} aria-hidden>
        {Array.from({ length: generation.n }, (_, i) => (
          <div
            key={i}
            className="w-full animate-pulse rounded-md bg-muted motion-reduce:animate-none"
            style={{ aspectRatio: `${generation.width} / ${generation.height}` }}
          />
        ))}
      </div>
    );
  }
  if (total === 0) return null;
  const prompt = truncate(generation.prompt, 120);
  return (
    <ul className={grid}>
      {generation.images.map((image, i) => (
        <li key={image.id}>
          <button
            type="button"
            className="block w-full overflow-hidden rounded-md border bg-muted hover:opacity-90"
            style={{ aspectRatio: `${image.width} / ${image.height}` }}
            onClick={() => onOpen(generation, i)}
            data-testid="result-thumbnail"
          >
            <img
              src={image.thumbUrl}
              width={image.width}
              height={image.height}
              loading="lazy"
              decoding="async"
              alt={t('generation.image.alt', { index: i + 1, total, prompt })}
              className="size-full object-cover"
            />
          </button>
        </li>
      ))}
    </ul>
  );
}
