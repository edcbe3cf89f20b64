import { cn } from '../../lib/cn';
import { useI18n } from '../../lib/i18n';
import type { GenerationStatus } from './types';

const tones: Record<GenerationStatus, string> = {
  queued: 'border-border bg-muted text-muted-foreground',
  running: 'border-primary/40 bg-accent text-accent-foreground',
  succeeded: 'border-success/40 text-success',
  failed: 'border-destructive/40 text-destructive',
  canceled: 'border-border text-muted-foreground',
};

/** A generation's status as a small pill; colour is never the only cue (the word is always there). */
export function StatusBadge({ status }: { status: GenerationStatus }) {
  const { t } = useI18n();
  return (
    <span
      className={cn(
        'inline-flex items-center gap-1.5 rounded-full border px-2 py-0.5 text-xs font-medium',
        tones[status],
      )}
      data-status={status}
    >
      {status === 'queued' || status === 'running' ? (
        <span aria-hidden className="size-1.5 animate-pulse rounded-full bg-current" />
      ) : null}
      {t(`generation.status.${status}`)}
    </span>
  );
}

/** The built-in renderer's badge: it is a preview, not an AI model, and says so wherever it is named. */
export function OfflineBadge() {
  const { t } = useI18n();
  return (
    <span
      className="inline-flex items-center rounded-full border border-dashed px-1.5 py-px text-[0.7rem] font-medium text-muted-foreground uppercase"
      title={t('generation.offlineHint')}
    >
      {t('generation.offline')}
      <span className="sr-only">: {t('generation.offlineHint')}</span>
    </span>
  );
}

/** The provider id of the built-in offline renderer (seeded by the catalog). */
export const OFFLINE_PROVIDER_ID = 'local';
