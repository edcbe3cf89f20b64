/**
 * The pieces of a generation request's form that the generator and each
 * compare column draw alike: the model picker's provider groups with
 * prices, the shape pickers (size presets, or aspect ratio and resolution,
 * whichever the model is shaped by), the number of images, and a field's
 * error line. Radio group names are given by the caller (the compare page
 * suffixes its columns' keys), and each group's data-testid follows its
 * name, so the generator keeps `choice-size`, `choice-n` and the rest.
 */
import { useI18n } from '../../lib/i18n';
import { ChoiceGroup } from './choice-group';
import { countText, formatNumber } from './format';
import {
  dimensionsLabel,
  groupByProvider,
  hasPriceTiers,
  isSized,
  priceRange,
  ratioLabel,
  ratioParts,
} from './pricing';
import type { PublicModel } from './types';

/** The shape a request takes: one size preset, or an aspect ratio and a resolution. */
export interface ShapeValues {
  size: string | null;
  aspectRatio: string | null;
  resolution: string | null;
}

/** A model's price as the picker shows it: one figure, or a range over its sizes. */
export function useModelPrice(): (model: PublicModel) => string {
  const { t, locale } = useI18n();
  return (model) => {
    const { min, max } = priceRange(model);
    return min === max
      ? t('generate.model.priceOne', { price: countText(t, locale, 'generation.credits', min) })
      : t('generate.model.priceRange', { min: formatNumber(locale, min), max: formatNumber(locale, max) });
  };
}

/**
 * The options of a model <select>, grouped by provider, each with its
 * price. Models in `taken` are listed but cannot be chosen.
 */
export function ModelOptions({
  models,
  taken,
}: {
  models: readonly PublicModel[];
  taken?: ReadonlySet<string> | undefined;
}) {
  const { t } = useI18n();
  const modelPrice = useModelPrice();
  return groupByProvider(models).map((group) => (
    <optgroup key={group.id} label={group.name ?? t('generate.model.otherProvider')}>
      {group.models.map((option) => {
        const isTaken = taken?.has(option.id) ?? false;
        const text = t('generate.model.option', { name: option.name, price: modelPrice(option) });
        return (
          <option key={option.id} value={option.id} disabled={isTaken}>
            {isTaken ? `${text} ${t('compare.column.taken')}` : text}
          </option>
        );
      })}
    </optgroup>
  ));
}

/** Size presets for sized models; aspect ratio and resolution for the others. */
export function ShapeFields({
  model,
  values,
  errors,
  nameSuffix = '',
  onChange,
}: {
  model: PublicModel;
  values: ShapeValues;
  errors: Record<string, string | undefined>;
  /** Appended to each radio group's name, to keep several forms' groups apart. */
  nameSuffix?: string;
  onChange: (patch: Partial<ShapeValues>) => void;
}) {
  const { t, locale } = useI18n();
  const caps = model.capabilities;
  const credits = (count: number) => countText(t, locale, 'generation.credits', count);
  if (isSized(caps)) {
    const tiers = hasPriceTiers(model);
    return (
      <ChoiceGroup
        legend={t('generate.size.label')}
        name={`size${nameSuffix}`}
        value={values.size}
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
        name={`aspectRatio${nameSuffix}`}
        value={values.aspectRatio}
        error={errors.aspectRatio}
        onChange={(aspectRatio) => onChange({ aspectRatio })}
        columns="ratios"
        options={caps.aspectRatios.map((ratio) => ({ value: ratio, label: ratio, shape: ratioParts(ratio) }))}
      />
      <ChoiceGroup
        legend={t('generate.resolution.label')}
        name={`resolution${nameSuffix}`}
        value={values.resolution}
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

/** How many images, from one to the model's maximum. */
export function CountField({
  model,
  value,
  error,
  nameSuffix = '',
  onChange,
}: {
  model: PublicModel;
  value: number;
  error: string | undefined;
  nameSuffix?: string;
  onChange: (n: number) => void;
}) {
  const { t, locale } = useI18n();
  return (
    <ChoiceGroup
      legend={t('generate.n.label')}
      name={`n${nameSuffix}`}
      value={String(value)}
      error={error}
      onChange={(n) => onChange(Number(n))}
      columns="counts"
      options={Array.from({ length: model.capabilities.maxImages }, (_, i) => ({
        value: String(i + 1),
        label: formatNumber(locale, i + 1),
      }))}
    />
  );
}

/** A field's error line, referenced by the field's aria-describedby. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={id} className="text-sm text-destructive">
      {message}
    </p>
  ) : null;
}
