/**
 * The generator's fields: prompt with a character counter, model picker
 * grouped by provider with prices, size presets (or aspect ratio and
 * resolution), number of images, seed, negative prompt, and the cost before
 * submitting. Controlled: the page owns the form data and the submit.
 */
import { useId, type ReactNode, type Ref } from 'react';
import { cn } from '../../lib/cn';
import type { CreditBalance } from '../../lib/credit-balance';
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import { Input, Label, Textarea } from '../ui/input';
import { costSummary, formatNumber } from './format';
import { fitToModel, formCost, type GeneratorForm } from './form-state';
import { CountField, FieldError, ModelOptions, ShapeFields, useModelPrice } from './model-fields';
import { BalanceNote, RequestForm } from './submit-parts';
import { OFFLINE_PROVIDER_ID, OfflineBadge } from './status-badge';
import type { PublicModel } from './types';

export interface GeneratorFormProps {
  models: PublicModel[];
  model: PublicModel;
  form: GeneratorForm;
  onChange: (form: GeneratorForm) => void;
  onSubmit: () => void;
  busy: boolean;
  /** Per field (prompt, modelId, size, aspectRatio, resolution, n, seed, negativePrompt). */
  errors: Record<string, string | undefined>;
  /** Above the fields: the submit's error or a notice. */
  banner?: ReactNode;
  balance: CreditBalance | null;
  promptRef?: Ref<HTMLTextAreaElement>;
  seedRef?: Ref<HTMLInputElement>;
  /** Under the prompt: prompt help (prompt-assist.tsx). */
  promptTools?: ReactNode;
  /** Under the model picker, for models that take them: the reference images (reference-images.tsx). */
  references?: ReactNode;
}

export function GeneratorFormFields({
  models,
  model,
  form,
  onChange,
  onSubmit,
  busy,
  errors,
  banner,
  balance,
  promptRef,
  seedRef,
  promptTools,
  references,
}: GeneratorFormProps) {
  const { t, locale } = useI18n();
  const id = useId();
  const caps = model.capabilities;
  const set = (patch: Partial<GeneratorForm>) => onChange({ ...form, ...patch });
  const cost = formCost(form, model);
  const modelPrice = useModelPrice();

  const promptLength = form.prompt.length;
  const over = promptLength - caps.maxPromptLength;

  return (
    <RequestForm busy={busy} onSubmit={onSubmit} testId="generator-form">
      {banner}

      <div className="grid gap-1.5">
        <div className="flex items-baseline justify-between gap-2">
          <Label htmlFor={`${id}-prompt`}>{t('generate.prompt.label')}</Label>
          <span
            id={`${id}-counter`}
            className={cn(
              'text-xs tabular-nums',
              over > 0 ? 'font-semibold text-destructive' : 'text-muted-foreground',
            )}
            data-testid="prompt-counter"
          >
            <span aria-hidden>
              {formatNumber(locale, promptLength)} / {formatNumber(locale, caps.maxPromptLength)}
            </span>
            <span className="sr-only">
              {t('generate.prompt.counter', { count: promptLength, max: caps.maxPromptLength })}
            </span>
          </span>
        </div>
        <Textarea
          ref={promptRef}
          id={`${id}-prompt`}
          name="prompt"
          rows={5}
          required
          placeholder={t('generate.prompt.placeholder')}
          value={form.prompt}
          onChange={(event) => set({ prompt: event.target.value })}
          aria-invalid={Boolean(errors.prompt)}
          aria-describedby={[`${id}-counter`, errors.prompt ? `${id}-prompt-error` : null]
            .filter(Boolean)
            .join(' ')}
          data-testid="prompt"
        />
        <FieldError id={`${id}-prompt-error`} message={errors.prompt} />
        {promptTools}
      </div>

      <div className="grid gap-1.5">
        <Label htmlFor={`${id}-model`}>{t('generate.model.label')}</Label>
        <select
          id={`${id}-model`}
          name="modelId"
          className="h-10 w-full rounded-md border border-input bg-background px-3 text-sm text-foreground aria-[invalid=true]:border-destructive"
          value={model.id}
          onChange={(event) => {
            const next = models.find((m) => m.id === event.target.value);
            if (next) onChange(fitToModel(form, next));
          }}
          aria-invalid={Boolean(errors.modelId)}
          aria-describedby={`${id}-model-info${errors.modelId ? ` ${id}-model-error` : ''}`}
          data-testid="model-picker"
        >
          <ModelOptions models={models} />
        </select>
        <div id={`${id}-model-info`} className="grid gap-0.5 text-xs text-muted-foreground">
          <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
            {model.provider ? <span>{model.provider.name}</span> : null}
            {model.provider?.id === OFFLINE_PROVIDER_ID ? <OfflineBadge /> : null}
            <span>{modelPrice(model)}</span>
          </p>
          {model.description ? <p>{model.description}</p> : null}
        </div>
        <FieldError id={`${id}-model-error`} message={errors.modelId} />
      </div>

      {references ? (
        <div className="grid gap-1.5" data-testid="reference-images-field">
          {references}
          <FieldError id={`${id}-references-error`} message={errors.referenceUploadIds} />
        </div>
      ) : null}

      <ShapeFields model={model} values={form} errors={errors} onChange={set} />

      <CountField model={model} value={form.n} error={errors.n} onChange={(n) => set({ n })} />

      {caps.seed ? (
        <fieldset className="grid gap-2">
          <legend className="mb-1.5 text-sm font-medium">{t('generate.seed.label')}</legend>
          <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
            {(['random', 'fixed'] as const).map((mode) => (
              <label key={mode} className="flex items-center gap-2 text-sm">
                <input
                  type="radio"
                  name="seedMode"
                  value={mode}
                  className="size-4 accent-[var(--primary)]"
                  checked={form.seedMode === mode}
                  onChange={() => set({ seedMode: mode })}
                  data-testid={`seed-${mode}`}
                />
                {t(`generate.seed.${mode}`)}
              </label>
            ))}
            {form.seedMode === 'fixed' ? (
              <Input
                ref={seedRef}
                id={`${id}-seed`}
                name="seed"
                inputMode="numeric"
                autoComplete="off"
                aria-label={t('generate.seed.value')}
                className="w-40 font-mono"
                value={form.seed}
                onChange={(event) => set({ seed: event.target.value })}
                aria-invalid={Boolean(errors.seed)}
                aria-describedby={errors.seed ? `${id}-seed-error` : `${id}-seed-hint`}
                data-testid="seed-value"
              />
            ) : null}
          </div>
          {errors.seed ? (
            <FieldError id={`${id}-seed-error`} message={errors.seed} />
          ) : (
            <p id={`${id}-seed-hint`} className="text-xs text-muted-foreground">
              {t('generate.seed.hint')}
            </p>
          )}
        </fieldset>
      ) : null}

      {caps.negativePrompt ? (
        <div className="grid gap-1.5">
          <Label htmlFor={`${id}-negative`}>{t('generate.negative.label')}</Label>
          <Textarea
            id={`${id}-negative`}
            name="negativePrompt"
            rows={2}
            className="min-h-16!"
            placeholder={t('generate.negative.placeholder')}
            value={form.negativePrompt}
            onChange={(event) => set({ negativePrompt: event.target.value })}
            aria-invalid={Boolean(errors.negativePrompt)}
            aria-describedby={errors.negativePrompt ? `${id}-negative-error` : `${id}-negative-hint`}
          />
          {errors.negativePrompt ? (
            <FieldError id={`${id}-negative-error`} message={errors.negativePrompt} />
          ) : (
            <p id={`${id}-negative-hint`} className="text-xs text-muted-foreground">
              {t('generate.negative.hint')}
            </p>
          )}
        </div>
      ) : null}

      <div className="grid gap-3 rounded-md border bg-muted/50 p-3">
        <div aria-live="polite" className="grid gap-1 text-sm">
          <p className="flex flex-wrap items-baseline justify-between gap-x-3">
            <span className="text-muted-foreground">{t('generate.cost.label')}</span>
            <span className="font-semibold tabular-nums" data-testid="cost-summary">
              {cost ? costSummary(t, locale, cost) : '—'}
            </span>
          </p>
          <BalanceNote balance={balance} total={cost?.total} />
        </div>
        <Button type="submit" size="lg" className="w-full" disabled={busy} data-testid="generate-submit">
          {busy ? t('generate.submitting') : t('generate.submit')}
        </Button>
        <p className="text-center text-xs text-muted-foreground">{t('generate.shortcut')}</p>
      </div>
    </RequestForm>
  );
}
