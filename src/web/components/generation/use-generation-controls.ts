/**
 * What every view of one running generation needs beside its layout: the
 * live status (useLiveGeneration), the page clock while it runs, the
 * stopwatch text, the one status sentence that screen readers hear at each
 * change, and Cancel with its pending state and localized error. Shared by
 * the generator's and history's cards and the compare page's columns, so a
 * generation reads and cancels the same wherever it is shown.
 */
import { useState } from 'react';
import { ApiError } from '../../lib/api';
import { cn } from '../../lib/cn';
import { useI18n } from '../../lib/i18n';
import { cancelGeneration } from './api';
import { elapsedMs, formatElapsed, isTerminal } from './format';
import type { Generation } from './types';
import { useClock, useLiveGeneration, type LiveGeneration } from './use-live-generation';

export interface GenerationControls {
  live: LiveGeneration;
  /** The latest state of the generation. */
  generation: Generation;
  running: boolean;
  /** The stopwatch ("0:07"), from this browser's submit time when known. */
  elapsed: string;
  /** The sentence for the status line: progress, the failure or cancel note, or done. */
  statusText: string;
  /** Classes for the status line: muted while running, red when failed, hidden once done. */
  statusClassName: string;
  cancel: () => void;
  canceling: boolean;
  cancelError: string | undefined;
}

export function useGenerationControls(
  initial: Generation,
  localStart: number | undefined,
  onSettled?: (generation: Generation) => void,
): GenerationControls {
  const { t, locale } = useI18n();
  const live = useLiveGeneration(initial, locale, onSettled);
  const generation = live.generation;
  const running = !isTerminal(generation.status);
  const now = useClock(running);
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

  const statusText = running
    ? t(`generation.progress.${generation.status === 'queued' ? 'queued' : 'running'}`)
    : generation.status === 'failed'
      ? (generation.errorMessage ?? t('generation.failed'))
      : generation.status === 'canceled'
        ? (generation.errorMessage ?? t('generation.canceledNote'))
        : t('generation.status.succeeded');

  const statusClassName = cn(
    'text-sm',
    running && 'text-muted-foreground',
    generation.status === 'failed' && 'text-destructive',
    generation.status === 'canceled' && 'text-muted-foreground',
    generation.status === 'succeeded' && 'sr-only',
  );

  return {
    live,
    generation,
    running,
    elapsed: formatElapsed(elapsedMs(generation, now, localStart)),
    statusText,
    statusClassName,
    cancel,
    canceling,
    cancelError,
  };
}
