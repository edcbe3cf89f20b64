/**
 * One provider on the admin Providers page: its name and adapter, an on/off
 * switch (saved at once), where its key comes from, a password field to
 * enter or rotate the key (never prefilled, emptied after saving: keys go
 * in and never come back, only their hint), removing the stored key, the
 * base URL override, and "Test connection" with its result in words.
 */
import { useId, useState } from 'react';
import { formatNumber, pluralForm } from '../../lib/count-text';
import { useI18n } from '../../lib/i18n';
import { formatDateTime } from '../generation/format';
import { Button } from '../ui/button';
import { Card } from '../ui/card';
import { TextField } from '../ui/input';
import { testProvider, updateProvider } from './api';
import { Badge, FieldError, FormStatus, Switch } from './controls';
import { nameIn } from './model-draft';
import { providerEnvVar, settingsChange } from './provider-settings';
import type { AdminProvider, ConnectionResult } from './types';
import { useAdminForm } from './use-admin-form';

export function ProviderCard({
  provider,
  onSaved,
}: {
  provider: AdminProvider;
  onSaved: (provider: AdminProvider) => void;
}) {
  const { t, locale } = useI18n();
  const id = useId();
  const name = nameIn(locale, provider);
  const isLocal = provider.id === 'local';
  const toggle = useAdminForm();
  const settings = useAdminForm();
  const [keyDraft, setKeyDraft] = useState('');
  const [baseUrlDraft, setBaseUrlDraft] = useState(provider.baseUrl ?? '');
  const [test, setTest] = useState<
    | { state: 'idle' }
    | { state: 'testing' }
    | { state: 'done'; result: ConnectionResult }
    | { state: 'failed' }
  >({ state: 'idle' });

  const saved = (next: AdminProvider) => {
    setKeyDraft('');
    setBaseUrlDraft(next.baseUrl ?? '');
    onSaved(next);
  };

  const setEnabled = (enabled: boolean) => {
    void toggle
      .run(() => updateProvider(provider.id, { enabled }, locale), {
        success: (next) =>
          t(next.enabled ? 'admin.providers.switchedOn' : 'admin.providers.switchedOff', { name }),
      })
      .then((next) => next && onSaved(next));
  };

  const save = () => {
    const change = settingsChange(provider, keyDraft, baseUrlDraft);
    if (Object.keys(change).length === 0) {
      settings.reject({}, 'admin.providers.nothingToSave');
      return;
    }
    void settings
      .run(() => updateProvider(provider.id, change, locale), {
        success: t('admin.providers.saved', { name }),
        shows: (field) => field === 'apiKey' || field === 'baseUrl',
      })
      .then((next) => next && saved(next));
  };

  const removeKey = () => {
    void settings
      .run(() => updateProvider(provider.id, { removeKey: true }, locale), {
        success: t('admin.providers.keyRemoved', { name }),
      })
      .then((next) => next && saved(next));
  };

  const runTest = () => {
    setTest({ state: 'testing' });
    testProvider(provider.id, locale).then(
      (result) => setTest({ state: 'done', result }),
      () => setTest({ state: 'failed' }),
    );
  };

  const keySource =
    provider.key.source === 'stored'
      ? t('admin.providers.key.stored', {
          hint: provider.key.hint ?? '',
          when: provider.key.updatedAt ? formatDateTime(locale, provider.key.updatedAt) : '',
        })
      : provider.key.source === 'environment'
        ? t('admin.providers.key.environment', { variable: providerEnvVar(provider.id, 'API_KEY') })
        : provider.needsKey
          ? t('admin.providers.key.none')
          : t('admin.providers.key.optional');

  const baseUrlHint = provider.envBaseUrl
    ? t('admin.providers.baseUrl.fromEnvironment', { url: provider.envBaseUrl })
    : provider.defaultBaseUrl
      ? t('admin.providers.baseUrl.default', { url: provider.defaultBaseUrl })
      : provider.needsBaseUrl && !provider.baseUrl
        ? t('admin.providers.baseUrl.required')
        : undefined;

  return (
    <Card
      className="grid grid-cols-1 gap-4 p-4 sm:p-5"
      data-testid="provider-card"
      data-provider-id={provider.id}
    >
      <section aria-labelledby={`${id}-name`} className="grid grid-cols-1 gap-4">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0">
            <h2 id={`${id}-name`} className="text-lg font-semibold break-words">
              {name}
            </h2>
            <p className="mt-0.5 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-muted-foreground">
              <code className="font-mono">{provider.id}</code>
              <span aria-hidden>·</span>
              <span>{t('admin.providers.adapter', { adapter: provider.adapter })}</span>
              <span aria-hidden>·</span>
              <span>
                {t(`admin.providers.routeCount.${pluralForm(locale, provider.routeCount)}`, {
                  count: formatNumber(locale, provider.routeCount),
                })}
              </span>
            </p>
          </div>
          <div className="grid justify-items-end gap-1">
            <Switch
              checked={provider.enabled}
              onChange={setEnabled}
              label={t('admin.providers.enabled')}
              pending={toggle.busy}
              describedBy={toggle.fieldErrors.enabled ? `${id}-enabled-error` : undefined}
              testId="provider-enabled"
            />
            <FieldError id={`${id}-enabled-error`} error={toggle.fieldErrors.enabled} />
          </div>
        </div>
        {toggle.fieldErrors.enabled ? null : (
          <FormStatus error={toggle.formError} success={toggle.success} testId="provider-toggle" />
        )}

        {isLocal ? (
          <p className="text-sm text-muted-foreground">{t('admin.providers.local')}</p>
        ) : (
          <form
            className="grid grid-cols-1 gap-4"
            noValidate
            aria-label={t('admin.providers.settingsLabel', { name })}
            onSubmit={(event) => {
              event.preventDefault();
              save();
            }}
          >
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <span className="font-medium">{t('admin.providers.key.label')}</span>
              <Badge
                tone={provider.key.source === 'none' && provider.needsKey ? 'warning' : 'neutral'}
                testId="key-source"
              >
                {keySource}
              </Badge>
            </div>
            <div className="grid grid-cols-1 items-start gap-4 sm:grid-cols-2">
              <TextField
                id={`${id}-key`}
                label={
                  provider.key.source === 'stored'
                    ? t('admin.providers.key.rotate')
                    : t('admin.providers.key.enter')
                }
                type="password"
                autoComplete="new-password"
                spellCheck={false}
                value={keyDraft}
                onValue={setKeyDraft}
                error={settings.fieldErrors.apiKey}
                hint={t('admin.providers.key.hint')}
                data-testid="provider-key"
              />
              <TextField
                id={`${id}-base-url`}
                label={t('admin.providers.baseUrl.label')}
                type="url"
                inputMode="url"
                spellCheck={false}
                placeholder={provider.envBaseUrl ?? provider.defaultBaseUrl ?? 'https://'}
                value={baseUrlDraft}
                onValue={setBaseUrlDraft}
                error={settings.fieldErrors.baseUrl}
                hint={baseUrlHint}
                data-testid="provider-base-url"
              />
            </div>
            <div className="flex flex-wrap gap-2">
              <Button type="submit" disabled={settings.busy} data-testid="provider-save">
                {settings.busy ? t('admin.saving') : t('admin.save')}
              </Button>
              {provider.key.source === 'stored' ? (
                <Button
                  variant="outline"
                  className="text-destructive"
                  disabled={settings.busy}
                  onClick={removeKey}
                  data-testid="provider-remove-key"
                >
                  {t('admin.providers.key.remove')}
                </Button>
              ) : null}
            </div>
            <FormStatus error={settings.formError} success={settings.success} testId="provider-settings" />
          </form>
        )}

        <div className="grid grid-cols-1 gap-2 border-t pt-4">
          <div className="flex flex-wrap items-center gap-3">
            <Button
              variant="outline"
              onClick={runTest}
              disabled={test.state === 'testing'}
              data-testid="provider-test"
            >
              {test.state === 'testing'
                ? t('admin.providers.test.running')
                : t('admin.providers.test.button')}
            </Button>
            <span className="text-xs text-muted-foreground">{t('admin.providers.test.note')}</span>
          </div>
          <div
            role="status"
            aria-live="polite"
            className="text-sm empty:hidden"
            data-testid="provider-test-result"
          >
            {test.state === 'done' ? <TestResult result={test.result} /> : null}
            {test.state === 'failed' ? <p className="text-destructive">{t('error.network')}</p> : null}
          </div>
        </div>
      </section>
    </Card>
  );
}

function TestResult({ result }: { result: ConnectionResult }) {
  const { t, locale } = useI18n();
  const latency = formatNumber(locale, result.latencyMs);
  return (
    <div className="grid grid-cols-1 gap-0.5" data-code={result.code}>
      <p className={result.ok ? 'font-medium text-success' : 'font-medium text-destructive'}>
        {result.ok
          ? t('admin.providers.test.ok', { ms: latency })
          : t(`admin.providers.test.${result.code}`, { ms: latency })}
        {result.status !== undefined && !result.ok ? ` (HTTP ${result.status})` : null}
      </p>
      {result.url ? (
        <p className="text-xs break-all text-muted-foreground">
          {t('admin.providers.test.url', { url: result.url })}
        </p>
      ) : null}
    </div>
  );
}
