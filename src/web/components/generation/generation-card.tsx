/**
 * One generation as a card: status, prompt, model, date and cost; while it
 * runs, live progress with a stopwatch and Cancel; then its images as
 * thumbnails that open the lightbox, or the server's message when it
 * failed. Used by the generator (this session's generations, large
 * thumbnails) and the history (a strip of small ones).
 */
import { useId, type ReactNode } from 'react';
import { cn } from '../../lib/cn';
import { useI18n } from '../../lib/i18n';
import { costNote, formatDateTime } from './format';
import { CancelButton, ProgressBar } from './generation-progress';
import { GenerationThumbnails } from './generation-thumbnails';
import { StatusBadge } from './status-badge';
import type { Generation } from './types';
import { useGenerationControls } from './use-generation-controls';

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
  const { live, generation, running, elapsed, statusText, statusClassName, cancel, canceling, cancelError } =
    useGenerationControls(initial, localStart, onSettled);
  const headingId = useId();

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
        <p role="status" className={statusClassName}>
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
          <ProgressBar status={generation.status} statusText={statusText} />
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

      <GenerationThumbnails
        generation={generation}
        size={variant === 'session' ? 'large' : 'small'}
        className={variant === 'session' ? 'mt-3 grid grid-cols-2 gap-2' : 'mt-3 flex flex-wrap gap-2'}
        onOpen={onOpen}
        testId="generation-thumbnail"
      />

      <div className="mt-3 flex flex-wrap items-center gap-2">
        {running ? <CancelButton canceling={canceling} onCancel={cancel} testId="cancel-generation" /> : null}
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
