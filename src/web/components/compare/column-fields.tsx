/**
 * One column of the comparison form: its model (grouped by provider, with
 * prices; models other columns already have are shown but not choosable),
 * its size or aspect ratio and resolution, its number of images, its price,
 * and a Remove button. The tile pickers are the generator's (ChoiceGroup);
 * radio names carry the column's key, so the columns' groups stay apart.
 */
import { useId } from 'react';
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import { Label } from '../ui/input';
import { ChoiceGroup } from '../generation/choice-group';
import { countText, costSummary, formatNumber } from '../generation/format';
import {
  dimensionsLabel,
  groupByProvider,
  hasPriceTiers,
  isSized,
  priceRange,
  ratioLabel,
  ratioParts,
  type CostBreakdown,
} from '../generation/pricing';
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
  const credits = (count: number) => countText(t, locale, 'generation.credits', count);
  const label = t('compare.column.label', { index: index + 1 });
  const otherErrors = Object.entries(errors).filter(([field]) => !shownFields.includes(field));

  const modelPrice = (option: PublicModel) => {
    const { min, max } = priceRange(option);
    return min === max
      ? t('generate.model.priceOne', { price: credits(min) })
      : t('generate.model.priceRange', { min: formatNumber(locale, min), max: formatNumber(locale, max) });
  };

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
          {groupByProvider(models).map((group) => (
            <optgroup key={group.id} label={group.name ?? t('generate.model.otherProvider')}>
              {group.models.map((option) => {
                const isTaken = taken.has(option.id);
                const text = t('generate.model.option', { name: option.name, price: modelPrice(option) });
                return (
                  <option key={option.id} value={option.id} disabled={isTaken}>
                    {isTaken ? `${text} ${t('compare.column.taken')}` : text}
                  </option>
                );
              })}
            </optgroup>
          ))}
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

      {model ? <ShapeFields column={column} model={model} errors={errors} onChange={onChange} /> : null}

      {model ? (
        <ChoiceGroup
          legend={t('generate.n.label')}
          name={`n-${column.key}`}
          value={String(column.n)}
          error={errors.n}
          onChange={(n) => onChange({ n: Number(n) })}
          columns="counts"
          options={Array.from({ length: model.capabilities.maxImages }, (_, i) => ({
            value: String(i + 1),
            label: formatNumber(locale, i + 1),
          }))}
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

function ShapeFields({
  column,
  model,
  errors,
  onChange,
}: {
  column: CompareColumn;
  model: PublicModel;
  errors: Record<string, string>;
  onChange: ColumnFieldsProps['onChange'];
}) {
  const { t, locale } = useI18n();
  const caps = model.capabilities;
  const credits = (count: number) => countText(t, locale, 'generation.credits', count);
  if (isSized(caps)) {
    const tiers = hasPriceTiers(model);
    return (
      <ChoiceGroup
        legend={t('generate.size.label')}
        name={`size-${column.key}`}
        value={column.size}
        error={errors.size}
        onChange={(size) => onChange({ size })}
        columns="sizes"
        options={caps.sizes.map((entry) => ({
          value: entry.size,
          label: dimensionsLabel(entry.width, entry.height),
          detail: tiers
            ? `${ratioLabel(entry.width, entry.height)} · ${credits(entry.creditsPerImage)}`
            : ratioLabel(entry.width, entry.height),
          shape: { width: entry.width, height: entry.height },
        }))}
      />
    );
  }
  return (
    <>
      <ChoiceGroup
        legend={t('generate.aspectRatio.label')}
        name={`aspectRatio-${column.key}`}
        value={column.aspectRatio}
        error={errors.aspectRatio}
        onChange={(aspectRatio) => onChange({ aspectRatio })}
        columns="ratios"
        options={caps.aspectRatios.map((ratio) => ({ value: ratio, label: ratio, shape: ratioParts(ratio) }))}
      />
      <ChoiceGroup
        legend={t('generate.resolution.label')}
        name={`resolution-${column.key}`}
        value={column.resolution}
        error={errors.resolution}
        onChange={(resolution) => onChange({ resolution })}
        columns="ratios"
        options={caps.resolutions.map((entry) => ({
          value: entry.id,
          label: entry.id,
          detail: credits(entry.creditsPerImage),
        }))}
      />
    </>
  );
}

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={id} className="text-sm text-destructive">
      {message}
    </p>
  ) : null;
}
