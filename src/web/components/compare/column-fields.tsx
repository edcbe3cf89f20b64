/**
 * One column of the comparison form: its model (grouped by provider, with
 * prices; models other columns already have are shown but not choosable),
 * its size or aspect ratio and resolution, its number of images, its price,
 * and a Remove button. The model options, shape and count pickers are the
 * generator's (model-fields.tsx); radio names carry the column's key, so the
 * columns' groups stay apart.
 */
import { useId } from 'react';
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import { Label } from '../ui/input';
import { costSummary } from '../generation/format';
import { CountField, FieldError, ModelOptions, ShapeFields, useModelPrice } from '../generation/model-fields';
import type { CostBreakdown } from '../generation/pricing';
import { OFFLINE_PROVIDER_ID, OfflineBadge } from '../generation/status-badge';
import type { PublicModel } from '../generation/types';
import type { CompareColumn } from './compare-form';

/** The fields a column shows its own errors beside. */
const shownFields = ['modelId', 'size', 'aspectRatio', 'resolution', 'n'];

export interface ColumnFieldsProps {
  /** 0-based position, shown 1-based. */
  index: number;
  column: CompareColumn;
  models: readonly PublicModel[];
  /** Model ids other columns have. */
  taken: ReadonlySet<string>;
  cost: CostBreakdown | undefined;
  /** By field (modelId, size, aspectRatio, resolution, n, and any other the server names). */
  errors: Record<string, string> | undefined;
  onModelChange: (modelId: string) => void;
  onChange: (patch: Partial<Pick<CompareColumn, 'size' | 'aspectRatio' | 'resolution' | 'n'>>) => void;
  /** Absent when the column cannot be removed (two columns left). */
  onRemove?: (() => void) | undefined;
}

export function ColumnFields({
  index,
  column,
  models,
  taken,
  cost,
  errors = {},
  onModelChange,
  onChange,
  onRemove,
}: ColumnFieldsProps) {
  const { t, locale } = useI18n();
  const id = useId();
  const model = models.find((m) => m.id === column.modelId);
  const label = t('compare.column.label', { index: index + 1 });
  const otherErrors = Object.entries(errors).filter(([field]) => !shownFields.includes(field));
  const modelPrice = useModelPrice();

  return (
    <fieldset
      className="grid min-w-0 content-start gap-4 rounded-lg border bg-background p-4"
      data-testid="compare-column-config"
      data-model-id={column.modelId}
    >
      <legend className="sr-only">{label}</legend>
      <div className="flex items-center justify-between gap-2">
        <span aria-hidden className="text-sm font-semibold">
          {label}
        </span>
        {onRemove ? (
          <Button
            variant="ghost"
            size="sm"
            onClick={onRemove}
            aria-label={t('compare.column.removeLabel', {
              index: index + 1,
              name: model?.name ?? column.modelId,
            })}
            data-testid="remove-column"
          >
            {t('compare.column.remove')}
          </Button>
        ) : null}
      </div>

      <div className="grid gap-1.5">
        <Label htmlFor={`${id}-model`}>{t('generate.model.label')}</Label>
        <select
          id={`${id}-model`}
          name={`modelId-${column.key}`}
          className="h-10 w-full rounded-md border border-input bg-background px-3 text-sm text-foreground aria-[invalid=true]:border-destructive"
          value={column.modelId}
          onChange={(event) => onModelChange(event.target.value)}
          aria-invalid={Boolean(errors.modelId)}
          aria-describedby={`${id}-model-info${errors.modelId ? ` ${id}-model-error` : ''}`}
          data-testid="column-model"
        >
          <ModelOptions models={models} taken={taken} />
        </select>
        <p
          id={`${id}-model-info`}
          className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-muted-foreground"
        >
          {model?.provider ? <span>{model.provider.name}</span> : null}
          {model?.provider?.id === OFFLINE_PROVIDER_ID ? <OfflineBadge /> : null}
          {model ? <span>{modelPrice(model)}</span> : null}
        </p>
        <FieldError id={`${id}-model-error`} message={errors.modelId} />
      </div>

      {model ? (
        <ShapeFields
          model={model}
          values={column}
          errors={errors}
          nameSuffix={`-${column.key}`}
          onChange={onChange}
        />
      ) : null}

      {model ? (
        <CountField
          model={model}
          value={column.n}
          error={errors.n}
          nameSuffix={`-${column.key}`}
          onChange={(n) => onChange({ n })}
        />
      ) : null}

      {otherErrors.map(([field, message]) => (
        <p key={field} className="text-sm text-destructive">
          {message}
        </p>
      ))}

      <p className="text-sm tabular-nums" data-testid="column-cost">
        <span className="text-muted-foreground">{t('generate.cost.label')}: </span>
        <span className="font-medium">{cost ? costSummary(t, locale, cost) : '—'}</span>
      </p>
    </fieldset>
  );
}
