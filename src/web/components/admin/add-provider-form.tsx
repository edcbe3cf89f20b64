/**
 * Adds another OpenAI-compatible endpoint (a self-hosted server, a gateway)
 * as a provider of its own: id, names in both languages, base URL and an
 * optional key. The API switches it on and audits it; field errors come
 * back next to their fields.
 */
import { useId, useState } from 'react';
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import { Card } from '../ui/card';
import { TextField } from '../ui/input';
import { addProvider } from './api';
import { FormStatus } from './controls';
import { nameIn } from './model-draft';
import type { AdminProvider, NewProvider } from './types';
import { useAdminForm } from './use-admin-form';

const empty = { id: '', nameEn: '', nameZh: '', baseUrl: '', apiKey: '' };
const fields = new Set(Object.keys(empty));

export function AddProviderForm({ onAdded }: { onAdded: (provider: AdminProvider) => void }) {
  const { t, locale } = useI18n();
  const id = useId();
  const form = useAdminForm();
  const [draft, setDraft] = useState(empty);
  const set = (field: keyof typeof empty) => (value: string) => setDraft((d) => ({ ...d, [field]: value }));

  const submit = () => {
    const body: NewProvider = {
      id: draft.id.trim(),
      nameEn: draft.nameEn.trim(),
      nameZh: draft.nameZh.trim(),
      baseUrl: draft.baseUrl.trim(),
      ...(draft.apiKey.trim() ? { apiKey: draft.apiKey.trim() } : {}),
    };
    void form
      .run(() => addProvider(body, locale), {
        success: (added) => t('admin.addProvider.added', { name: nameIn(locale, added) }),
        shows: (field) => fields.has(field),
      })
      .then((added) => {
        if (!added) return;
        setDraft(empty);
        onAdded(added);
      });
  };

  return (
    <Card className="p-4 sm:p-5">
      <section aria-labelledby={`${id}-heading`}>
        <h2 id={`${id}-heading`} className="text-lg font-semibold">
          {t('admin.addProvider.heading')}
        </h2>
        <p className="mt-1 text-sm text-muted-foreground">{t('admin.addProvider.intro')}</p>
        <form
          className="mt-4 grid grid-cols-1 gap-4"
          noValidate
          data-testid="add-provider-form"
          aria-labelledby={`${id}-heading`}
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
        >
          <div className="grid grid-cols-1 items-start gap-4 sm:grid-cols-2">
            <TextField
              id={`${id}-id`}
              label={t('admin.addProvider.id')}
              hint={t('admin.addProvider.idHint')}
              value={draft.id}
              onValue={set('id')}
              error={form.fieldErrors.id}
              autoCapitalize="none"
              spellCheck={false}
              required
              data-testid="new-provider-id"
            />
            <TextField
              id={`${id}-base-url`}
              label={t('admin.providers.baseUrl.label')}
              hint={t('admin.addProvider.baseUrlHint')}
              type="url"
              inputMode="url"
              placeholder="http://127.0.0.1:8000/v1"
              value={draft.baseUrl}
              onValue={set('baseUrl')}
              error={form.fieldErrors.baseUrl}
              spellCheck={false}
              required
              data-testid="new-provider-base-url"
            />
            <TextField
              id={`${id}-name-en`}
              label={t('admin.nameEn')}
              value={draft.nameEn}
              onValue={set('nameEn')}
              error={form.fieldErrors.nameEn}
              required
              data-testid="new-provider-name-en"
            />
            <TextField
              id={`${id}-name-zh`}
              label={t('admin.nameZh')}
              value={draft.nameZh}
              onValue={set('nameZh')}
              error={form.fieldErrors.nameZh}
              required
              data-testid="new-provider-name-zh"
            />
            <TextField
              id={`${id}-key`}
              label={t('admin.addProvider.key')}
              hint={t('admin.providers.key.hint')}
              type="password"
              autoComplete="new-password"
              spellCheck={false}
              value={draft.apiKey}
              onValue={set('apiKey')}
              error={form.fieldErrors.apiKey}
              data-testid="new-provider-key"
            />
          </div>
          <div>
            <Button type="submit" disabled={form.busy} data-testid="add-provider-submit">
              {form.busy ? t('admin.saving') : t('admin.addProvider.submit')}
            </Button>
          </div>
          <FormStatus error={form.formError} success={form.success} testId="add-provider" />
        </form>
      </section>
    </Card>
  );
}
