/**
 * One model on the admin Models page: a summary line (names, id, whether
 * members can use it and if not why, primary provider, prices) that
 * expands into its editor: on/off, names, sort order, credits per image
 * for each price tier, and the ordered routes. Saving sends every field,
 * the server records what changed, and the saved model replaces the shown
 * one at once.
 */
import { useId, useState } from 'react';
import { formatNumber } from '../../lib/count-text';
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import { TextField } from '../ui/input';
import { updateModel } from './api';
import { Badge, CheckboxField, FormStatus } from './controls';
import {
  draftOf,
  modelChangeFrom,
  nameIn,
  priceList,
  tiersOf,
  tierUses,
  unusableReason,
  type ModelDraft,
} from './model-draft';
import { RouteListEditor } from './route-list-editor';
import type { AdminModel, AdminProvider } from './types';
import { useAdminForm } from './use-admin-form';

interface ModelItemProps {
  model: AdminModel;
  /** For the route editor's provider choices and the "via" line. */
  providers: readonly AdminProvider[];
  onSaved: (model: AdminModel) => void;
}

export function ModelItem({ model, providers, onSaved }: ModelItemProps) {
  const { t, locale } = useI18n();
  const id = useId();
  const [open, setOpen] = useState(false);
  const reason = unusableReason(model);
  const primary = model.routes.find((route) => route.isAvailable) ?? model.routes[0];
  const primaryProvider = providers.find((p) => p.id === primary?.providerId);
  const prices = priceList(model)
    .map(({ tier, credits }) => `${tier} ${formatNumber(locale, credits)}`)
    .join(' · ');

  return (
    <li className="rounded-lg border bg-card" data-testid="admin-model" data-model-id={model.id}>
      <div className="flex flex-wrap items-start gap-3 p-4">
        <div className="grid min-w-0 flex-1 gap-1">
          <h3 className="flex flex-wrap items-center gap-2 font-semibold">
            <span className="break-words">{nameIn(locale, model)}</span>
            <code className="text-xs font-normal text-muted-foreground">{model.id}</code>
          </h3>
          <p className="flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
            {reason === null ? (
              <Badge tone="success" testId="model-status">
                {t('admin.models.usable')}
              </Badge>
            ) : (
              <Badge tone="warning" testId="model-status">
                {t(
                  reason === 'disabled' ? 'admin.models.unusable.disabled' : 'admin.models.unusable.noRoute',
                )}
              </Badge>
            )}
            {primaryProvider ? (
              <span>{t('admin.models.via', { provider: nameIn(locale, primaryProvider) })}</span>
            ) : null}
            <span>{t('admin.models.prices', { prices })}</span>
          </p>
        </div>
        <Button
          variant="outline"
          size="sm"
          aria-expanded={open}
          aria-controls={`${id}-editor`}
          onClick={() => setOpen((o) => !o)}
          data-testid="model-edit-toggle"
        >
          {open ? t('admin.models.close') : t('admin.models.edit')}
          <span className="sr-only"> {nameIn(locale, model)}</span>
        </Button>
      </div>
      {open ? (
        <div id={`${id}-editor`} className="border-t p-4">
          <ModelEditor model={model} providers={providers} onSaved={onSaved} />
        </div>
      ) : null}
    </li>
  );
}

function ModelEditor({ model, providers, onSaved }: ModelItemProps) {
  const { t, locale } = useI18n();
  const id = useId();
  const form = useAdminForm();
  const [draft, setDraft] = useState<ModelDraft>(() => draftOf(model));
  const set = <K extends keyof ModelDraft>(field: K, value: ModelDraft[K]) =>
    setDraft((d) => ({ ...d, [field]: value }));
  const tiers = tiersOf(model.capabilities);
  const name = nameIn(locale, model);

  const save = () => {
    const built = modelChangeFrom(model, draft);
    if (!built.ok) {
      form.reject(built.problems);
      return;
    }
    void form
      .run(() => updateModel(model.id, built.change, locale), {
        success: t('admin.models.saved', { name }),
        shows: (field) =>
          ['nameEn', 'nameZh', 'sortOrder', 'routes'].includes(field) ||
          field.startsWith('pricing.perImage.') ||
          /^routes\.\d+\.(providerId|providerModelId)$/.test(field),
      })
      .then((saved) => {
        if (!saved) return;
        setDraft(draftOf(saved));
        onSaved(saved);
      });
  };

  return (
    <form
      noValidate
      className="grid grid-cols-1 gap-5"
      aria-label={t('admin.models.editLabel', { name })}
      data-testid="model-editor"
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <CheckboxField
        label={t('admin.models.enabled')}
        checked={draft.enabled}
        onChange={(enabled) => set('enabled', enabled)}
        testId="model-enabled"
      />
      <div className="grid grid-cols-1 items-start gap-4 sm:grid-cols-3">
        <TextField
          id={`${id}-name-en`}
          label={t('admin.nameEn')}
          value={draft.nameEn}
          onValue={(v) => set('nameEn', v)}
          error={form.fieldErrors.nameEn}
        />
        <TextField
          id={`${id}-name-zh`}
          label={t('admin.nameZh')}
          value={draft.nameZh}
          onValue={(v) => set('nameZh', v)}
          error={form.fieldErrors.nameZh}
        />
        <TextField
          id={`${id}-sort`}
          label={t('admin.models.sortOrder')}
          hint={t('admin.models.sortOrderHint')}
          inputMode="numeric"
          value={draft.sortOrder}
          onValue={(v) => set('sortOrder', v)}
          error={form.fieldErrors.sortOrder}
        />
      </div>
      <fieldset className="grid min-w-0 grid-cols-1 gap-3">
        <legend className="mb-1 text-sm font-medium">{t('admin.models.pricesLegend')}</legend>
        <div className="grid grid-cols-1 items-start gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {tiers.map((tier) => (
            <TextField
              key={tier}
              id={`${id}-price-${tier}`}
              label={t('admin.models.price', { tier })}
              hint={tierUses(model.capabilities, tier).join(', ')}
              inputMode="numeric"
              value={draft.prices[tier] ?? ''}
              onValue={(v) => set('prices', { ...draft.prices, [tier]: v })}
              error={form.fieldErrors[`pricing.perImage.${tier}`]}
              data-testid={`model-price-${tier}`}
            />
          ))}
        </div>
      </fieldset>
      <RouteListEditor
        idPrefix={id}
        routes={draft.routes}
        providers={providers}
        onChange={(routes) => set('routes', routes)}
        errors={form.fieldErrors}
      />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={form.busy} data-testid="model-save">
          {form.busy ? t('admin.saving') : t('admin.save')}
        </Button>
        <Button
          variant="ghost"
          disabled={form.busy}
          onClick={() => {
            setDraft(draftOf(model));
            form.clear();
          }}
        >
          {t('admin.models.reset')}
        </Button>
      </div>
      <FormStatus error={form.formError} success={form.success} testId="model-editor" />
    </form>
  );
}
