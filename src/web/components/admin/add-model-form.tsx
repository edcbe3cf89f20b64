/**
 * Adds a model served through one provider (typically an OpenAI-compatible
 * endpoint): id, names, the provider and its model id, the sizes offered
 * (each "WxH" with a price tier; the first is the default), images per
 * request, seed and negative-prompt support, prompt length, and credits per
 * image for each tier the sizes use. new-model.ts turns this into the
 * capabilities and pricing JSON the catalog takes.
 */
import { useId, useState } from 'react';
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import { Card } from '../ui/card';
import { TextField } from '../ui/input';
import { addModel } from './api';
import { CheckboxField, FormStatus, SelectField } from './controls';
import { nameIn } from './model-draft';
import {
  addSize,
  buildNewModel,
  draftTiers,
  emptyNewModel,
  type NewModelDraft,
  type SizeDraft,
} from './new-model';
import type { AdminModel, AdminProvider } from './types';
import { useAdminForm } from './use-admin-form';

/** API fields this form shows next to a control; any other goes into the form's error. */
function isShown(field: string): boolean {
  return (
    ['id', 'nameEn', 'nameZh', 'capabilities.maxImages', 'capabilities.maxPromptLength'].includes(field) ||
    /^routes\.0\.(providerId|providerModelId)$/.test(field) ||
    /^capabilities\.sizes\.\d+\.(size|tier)$/.test(field) ||
    field.startsWith('pricing.perImage.')
  );
}

export function AddModelForm({
  providers,
  onAdded,
}: {
  providers: readonly AdminProvider[];
  onAdded: (model: AdminModel) => void;
}) {
  const { t, locale } = useI18n();
  const id = useId();
  const form = useAdminForm();
  const [draft, setDraft] = useState<NewModelDraft>(() => emptyNewModel(providers));
  const set = <K extends keyof NewModelDraft>(field: K, value: NewModelDraft[K]) =>
    setDraft((d) => ({ ...d, [field]: value }));
  const setSize = (index: number, change: Partial<SizeDraft>) =>
    set(
      'sizes',
      draft.sizes.map((entry, i) => (i === index ? { ...entry, ...change } : entry)),
    );
  const tiers = draftTiers(draft.sizes);

  const submit = () => {
    const built = buildNewModel(draft);
    if (!built.ok) {
      form.reject(built.problems);
      return;
    }
    void form
      .run(() => addModel(built.body, locale), {
        success: (added) => t('admin.addModel.added', { name: nameIn(locale, added) }),
        shows: isShown,
      })
      .then((added) => {
        if (!added) return;
        setDraft(emptyNewModel(providers));
        onAdded(added);
      });
  };

  return (
    <Card className="p-4 sm:p-5">
      <section aria-labelledby={`${id}-heading`}>
        <h2 id={`${id}-heading`} className="text-lg font-semibold">
          {t('admin.addModel.heading')}
        </h2>
        <p className="mt-1 text-sm text-muted-foreground">{t('admin.addModel.intro')}</p>
        <form
          noValidate
          className="mt-4 grid grid-cols-1 gap-5"
          aria-labelledby={`${id}-heading`}
          data-testid="add-model-form"
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
        >
          <div className="grid grid-cols-1 items-start gap-4 sm:grid-cols-3">
            <TextField
              id={`${id}-id`}
              label={t('admin.addModel.id')}
              hint={t('admin.addModel.idHint')}
              value={draft.id}
              onValue={(v) => set('id', v)}
              error={form.fieldErrors.id}
              autoCapitalize="none"
              spellCheck={false}
              required
              data-testid="new-model-id"
            />
            <TextField
              id={`${id}-name-en`}
              label={t('admin.nameEn')}
              value={draft.nameEn}
              onValue={(v) => set('nameEn', v)}
              error={form.fieldErrors.nameEn}
              required
              data-testid="new-model-name-en"
            />
            <TextField
              id={`${id}-name-zh`}
              label={t('admin.nameZh')}
              value={draft.nameZh}
              onValue={(v) => set('nameZh', v)}
              error={form.fieldErrors.nameZh}
              required
              data-testid="new-model-name-zh"
            />
          </div>
          <div className="grid grid-cols-1 items-start gap-4 sm:grid-cols-2">
            <SelectField
              id={`${id}-provider`}
              label={t('admin.addModel.provider')}
              value={draft.providerId}
              onValue={(v) => set('providerId', v)}
              options={providers.map((p) => ({
                value: p.id,
                label: `${nameIn(locale, p)} (${p.id})`,
              }))}
              error={form.fieldErrors['routes.0.providerId']}
              data-testid="new-model-provider"
            />
            <TextField
              id={`${id}-provider-model`}
              label={t('admin.addModel.providerModelId')}
              hint={t('admin.addModel.providerModelIdHint')}
              value={draft.providerModelId}
              onValue={(v) => set('providerModelId', v)}
              error={form.fieldErrors['routes.0.providerModelId']}
              autoCapitalize="none"
              spellCheck={false}
              required
              data-testid="new-model-provider-model"
            />
          </div>

          <fieldset className="grid min-w-0 grid-cols-1 gap-3" data-testid="new-model-sizes">
            <legend className="mb-1 text-sm font-medium">{t('admin.addModel.sizes')}</legend>
            <p className="text-xs text-muted-foreground">{t('admin.addModel.sizesHint')}</p>
            <ol className="grid grid-cols-1 gap-3">
              {draft.sizes.map((entry, index) => (
                <li
                  key={entry.key}
                  className="grid items-start gap-3 rounded-md border p-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_auto]"
                  data-testid="new-model-size"
                >
                  <TextField
                    id={`${id}-size-${entry.key}`}
                    label={t('admin.addModel.size', { n: index + 1 })}
                    placeholder="1024x1024"
                    value={entry.size}
                    onValue={(size) => setSize(index, { size })}
                    error={form.fieldErrors[`capabilities.sizes.${index}.size`]}
                    spellCheck={false}
                    data-testid="new-model-size-value"
                  />
                  <TextField
                    id={`${id}-tier-${entry.key}`}
                    label={t('admin.addModel.tier', { n: index + 1 })}
                    placeholder="standard"
                    value={entry.tier}
                    onValue={(tier) => setSize(index, { tier })}
                    error={form.fieldErrors[`capabilities.sizes.${index}.tier`]}
                    autoCapitalize="none"
                    spellCheck={false}
                    data-testid="new-model-size-tier"
                  />
                  <Button
                    variant="ghost"
                    size="sm"
                    className="text-destructive sm:mt-7"
                    disabled={draft.sizes.length === 1}
                    onClick={() =>
                      set(
                        'sizes',
                        draft.sizes.filter((_, i) => i !== index),
                      )
                    }
                    aria-label={t('admin.addModel.removeSize', { n: index + 1 })}
                  >
                    {t('admin.models.routes.remove')}
                  </Button>
                </li>
              ))}
            </ol>
            {form.fieldErrors['capabilities.sizes'] ? (
              <p className="text-sm text-destructive">{form.fieldErrors['capabilities.sizes']}</p>
            ) : null}
            <div>
              <Button
                variant="outline"
                size="sm"
                onClick={() => set('sizes', addSize(draft.sizes))}
                data-testid="new-model-add-size"
              >
                {t('admin.addModel.addSize')}
              </Button>
            </div>
          </fieldset>

          <fieldset className="grid min-w-0 grid-cols-1 gap-3">
            <legend className="mb-1 text-sm font-medium">{t('admin.models.pricesLegend')}</legend>
            {tiers.length === 0 ? (
              <p className="text-sm text-muted-foreground">{t('admin.addModel.noTiers')}</p>
            ) : (
              <div className="grid grid-cols-1 items-start gap-4 sm:grid-cols-2 lg:grid-cols-3">
                {tiers.map((tier) => (
                  <TextField
                    key={tier}
                    id={`${id}-price-${tier}`}
                    label={t('admin.models.price', { tier })}
                    inputMode="numeric"
                    value={draft.prices[tier] ?? ''}
                    onValue={(v) => set('prices', { ...draft.prices, [tier]: v })}
                    error={form.fieldErrors[`pricing.perImage.${tier}`]}
                    data-testid={`new-model-price-${tier}`}
                  />
                ))}
              </div>
            )}
          </fieldset>

          <div className="grid grid-cols-1 items-start gap-4 sm:grid-cols-2">
            <TextField
              id={`${id}-max-images`}
              label={t('admin.addModel.maxImages')}
              inputMode="numeric"
              value={draft.maxImages}
              onValue={(v) => set('maxImages', v)}
              error={form.fieldErrors['capabilities.maxImages']}
              data-testid="new-model-max-images"
            />
            <TextField
              id={`${id}-prompt-length`}
              label={t('admin.addModel.maxPromptLength')}
              inputMode="numeric"
              value={draft.maxPromptLength}
              onValue={(v) => set('maxPromptLength', v)}
              error={form.fieldErrors['capabilities.maxPromptLength']}
              data-testid="new-model-prompt-length"
            />
          </div>
          <div className="flex flex-wrap gap-x-6 gap-y-2">
            <CheckboxField
              label={t('admin.addModel.seed')}
              checked={draft.seed}
              onChange={(v) => set('seed', v)}
              testId="new-model-seed"
            />
            <CheckboxField
              label={t('admin.addModel.negativePrompt')}
              checked={draft.negativePrompt}
              onChange={(v) => set('negativePrompt', v)}
              testId="new-model-negative"
            />
          </div>
          <div>
            <Button
              type="submit"
              disabled={form.busy || providers.length === 0}
              data-testid="add-model-submit"
            >
              {form.busy ? t('admin.saving') : t('admin.addModel.submit')}
            </Button>
          </div>
          <FormStatus error={form.formError} success={form.success} testId="add-model" />
        </form>
      </section>
    </Card>
  );
}
