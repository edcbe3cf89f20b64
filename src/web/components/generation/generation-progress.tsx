/**
 * The controls a running generation shows wherever it appears (the
 * generator's and history's cards, the compare columns): the progress bar,
 * which carries the status sentence for assistive technology, and the
 * Cancel button with its pending label. State comes from
 * useGenerationControls.
 */
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import type { Generation } from './types';

export function ProgressBar({ status, statusText }: { status: Generation['status']; statusText: string }) {
  const { t } = useI18n();
  return (
    <div
      className="progress-track"
      data-phase={status}
      role="progressbar"
      aria-label={t('generation.progress.label')}
      aria-valuetext={statusText}
    />
  );
}

export function CancelButton({
  canceling,
  onCancel,
  testId,
}: {
  canceling: boolean;
  onCancel: () => void;
  testId: string;
}) {
  const { t } = useI18n();
  return (
    <Button variant="outline" size="sm" onClick={onCancel} disabled={canceling} data-testid={testId}>
      {canceling ? t('generation.canceling') : t('generation.cancel')}
    </Button>
  );
}
