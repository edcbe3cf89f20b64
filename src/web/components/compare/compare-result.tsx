/**
 * One column of a comparison's results: the model's name, its live status
 * (the generator's event stream with its polling fallback), its images
 * (which open the lightbox at full size), the time it took and the credits
 * it was charged, or refunded with the server's message when it failed.
 * While it runs it can be canceled on its own: each column holds its own
 * credits.
 */
import { useId } from 'react';
import { cn } from '../../lib/cn';
import { useI18n } from '../../lib/i18n';
import { costNote } from '../generation/format';
import { CancelButton, ProgressBar } from '../generation/generation-progress';
import { GenerationThumbnails } from '../generation/generation-thumbnails';
import { StatusBadge } from '../generation/status-badge';
import type { Generation } from '../generation/types';
import { useGenerationControls } from '../generation/use-generation-controls';
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
  const {
    live,
    generation,
    running,
    elapsed: stopwatch,
    statusText,
    statusClassName,
    cancel,
    canceling,
    cancelError,
  } = useGenerationControls(initial, localStart, onSettled);
  const headingId = useId();

  const taken = timeTaken(generation);
  const total = formatDuration(locale, taken.totalMs);
  const run = formatDuration(locale, taken.runMs);

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
      <p role="status" className={statusClassName} data-testid="result-status">
        {statusText}
      </p>
      {running ? <ProgressBar status={generation.status} statusText={statusText} /> : null}
      {live.failures > 0 ? (
        <p className="text-xs text-muted-foreground">{t('generation.reconnecting')}</p>
      ) : null}
      {live.lost ? <p className="text-sm text-muted-foreground">{t('generation.lost')}</p> : null}
      {cancelError ? (
        <p role="alert" className="text-sm text-destructive">
          {cancelError}
        </p>
      ) : null}

      <GenerationThumbnails
        generation={generation}
        size="large"
        className={cn('grid gap-2', Math.max(generation.n, generation.images.length) > 1 && 'grid-cols-2')}
        onOpen={onOpen}
        testId="result-thumbnail"
      />

      {running ? (
        <div>
          <CancelButton canceling={canceling} onCancel={cancel} testId="cancel-column" />
        </div>
      ) : null}
    </article>
  );
}
