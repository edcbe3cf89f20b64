/**
 * One generation as a card: status, prompt, model, date and cost; while it
 * runs, live progress with a stopwatch and Cancel; then its images as
 * thumbnails that open the lightbox, or the server's message when it
 * failed. Used by the generator (this session's generations, large
 * thumbnails) and the history (a strip of small ones).
 */
import { useId, useState, type ReactNode } from 'react';
import { ApiError } from '../../lib/api';
import { cn } from '../../lib/cn';
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import { cancelGeneration } from './api';
import { costNote, elapsedMs, formatDateTime, formatElapsed, isTerminal, truncate } from './format';
import { StatusBadge } from './status-badge';
import type { Generation } from './types';
import { useClock, useLiveGeneration } from './use-live-generation';

export interface GenerationCardProps {
  initial: Generation;
  /** When this browser submitted it (Date.now()), for a stopwatch that ignores server clock skew. */
  localStart?: number;
  variant: 'session' | 'history';
  /** Called once when a generation that was running here ends. */
  onSettled?: (generation: Generation) => void;
  /** Opens the lightbox at an image (or the details, index 0, when there are none). */
  onOpen: (generation: Generation, index: number) => void;
  /** The card's own buttons (reuse, delete…), given its current state. */
  actions?: (generation: Generation) => ReactNode;
}

export function GenerationCard({
  initial,
  localStart,
  variant,
  onSettled,
  onOpen,
  actions,
}: GenerationCardProps) {
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

  const elapsed = formatElapsed(elapsedMs(generation, now, localStart));
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
      className="rounded-lg border bg-card p-4 text-card-foreground shadow-sm"
      data-testid="generation-card"
      data-generation-id={generation.id}
      data-status={generation.status}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted-foreground">
        <StatusBadge status={generation.status} />
        <span className="font-medium text-foreground">{generation.modelName}</span>
        <time dateTime={generation.createdAt}>{formatDateTime(locale, generation.createdAt)}</time>
        <span>{costNote(t, locale, generation)}</span>
      </div>
      <h3
        id={headingId}
        className="mt-2 line-clamp-2 text-sm font-medium break-words"
        title={generation.prompt}
      >
        {generation.prompt}
      </h3>

      {/* One status line for the whole life of the card, so each change is announced. */}
      <div className="mt-2 flex items-baseline justify-between gap-3">
        <p
          role="status"
          className={cn(
            'text-sm',
            running && 'text-muted-foreground',
            generation.status === 'failed' && 'text-destructive',
            generation.status === 'canceled' && 'text-muted-foreground',
            generation.status === 'succeeded' && 'sr-only',
          )}
        >
          {statusText}
        </p>
        {running ? (
          <span
            className="font-mono text-xs text-muted-foreground tabular-nums"
            aria-label={t('generation.elapsed', { time: elapsed })}
            role="timer"
          >
            {elapsed}
          </span>
        ) : null}
      </div>
      {running ? (
        <div className="mt-2 grid gap-2">
          <div
            className="progress-track"
            data-phase={generation.status}
            role="progressbar"
            aria-label={t('generation.progress.label')}
            aria-valuetext={statusText}
          />
          <ProgressSteps status={generation.status} />
          {live.failures > 0 ? (
            <p className="text-xs text-muted-foreground">{t('generation.reconnecting')}</p>
          ) : null}
        </div>
      ) : null}
      {live.lost ? <p className="mt-1 text-sm text-muted-foreground">{t('generation.lost')}</p> : null}
      {generation.status === 'succeeded' && generation.finishedAt ? (
        <p className="text-xs text-muted-foreground">{t('generation.took', { time: elapsed })}</p>
      ) : null}
      {cancelError ? (
        <p role="alert" className="mt-1 text-sm text-destructive">
          {cancelError}
        </p>
      ) : null}

      <Thumbnails generation={generation} variant={variant} onOpen={onOpen} />

      <div className="mt-3 flex flex-wrap items-center gap-2">
        {running ? (
          <Button
            variant="outline"
            size="sm"
            onClick={cancel}
            disabled={canceling}
            data-testid="cancel-generation"
          >
            {canceling ? t('generation.canceling') : t('generation.cancel')}
          </Button>
        ) : null}
        {actions?.(generation)}
      </div>
    </article>
  );
}

function ProgressSteps({ status }: { status: Generation['status'] }) {
  const { t } = useI18n();
  const steps = ['queued', 'running', 'succeeded'] as const;
  const at = status === 'queued' ? 0 : 1;
  return (
    <ol className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-muted-foreground">
      {steps.map((step, i) => (
        <li
          key={step}
          aria-current={i === at ? 'step' : undefined}
          className={cn('flex items-center gap-2', i === at && 'font-semibold text-foreground')}
        >
          {i > 0 ? <span aria-hidden>→</span> : null}
          {t(`generation.status.${step}`)}
        </li>
      ))}
    </ol>
  );
}

function Thumbnails({
  generation,
  variant,
  onOpen,
}: {
  generation: Generation;
  variant: GenerationCardProps['variant'];
  onOpen: GenerationCardProps['onOpen'];
}) {
  const { t } = useI18n();
  const running = !isTerminal(generation.status);
  const total = generation.images.length;
  const aspect = `${generation.width} / ${generation.height}`;
  const large = variant === 'session';
  const grid = large ? 'mt-3 grid grid-cols-2 gap-2' : 'mt-3 flex flex-wrap gap-2';
  const cell = large ? 'w-full' : 'h-20 w-20 sm:h-24 sm:w-24';

  if (running) {
    return (
      <div className={grid} aria-hidden>
        {Array.from({ length: generation.n }, (_, i) => (
          <div
            key={i}
            className={cn(cell, 'animate-pulse rounded-md bg-muted motion-reduce:animate-none')}
            style={{ aspectRatio: aspect }}
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
        <li key={image.id} className={large ? undefined : 'shrink-0'}>
          <button
            type="button"
            className={cn(cell, 'block overflow-hidden rounded-md border bg-muted hover:opacity-90')}
            style={large ? { aspectRatio: `${image.width} / ${image.height}` } : undefined}
            onClick={() => onOpen(generation, i)}
            data-testid="generation-thumbnail"
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
