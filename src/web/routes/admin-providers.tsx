/**
 * Admin: providers (issue 4, part 9). A card per provider with its switch,
 * key, base URL and connection test, and a form to add another
 * OpenAI-compatible endpoint. Read from the admin API in the browser;
 * every save shows the provider as the server now has it.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Route } from './+types/admin-providers';
import { AddProviderForm } from '../components/admin/add-provider-form';
import { listProviders } from '../components/admin/api';
import { ProviderCard } from '../components/admin/provider-card';
import type { AdminProvider } from '../components/admin/types';
import { Button } from '../components/ui/button';
import { Alert } from '../components/ui/card';
import { useI18n } from '../lib/i18n';
import { pageMeta } from '../lib/meta';

export const meta: Route.MetaFunction = (args) => [
  ...pageMeta(args, { title: 'admin.providers.title', description: 'admin.providers.description' }, '/admin'),
  { name: 'robots', content: 'noindex' },
];

export default function AdminProviders() {
  const { t, locale } = useI18n();
  const [providers, setProviders] = useState<AdminProvider[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let active = true;
    listProviders(locale).then(
      (list) => {
        if (!active) return;
        setProviders(list);
        setFailed(false);
      },
      () => {
        if (active) setFailed(true);
      },
    );
    return () => {
      active = false;
    };
  }, [locale, attempt]);

  const replace = useCallback(
    (next: AdminProvider) =>
      setProviders((list) => list && list.map((provider) => (provider.id === next.id ? next : provider))),
    [],
  );
  const added = useCallback(
    (next: AdminProvider) =>
      setProviders((list) => (list ? [...list.filter((p) => p.id !== next.id), next] : [next])),
    [],
  );

  return (
    <div className="mt-6 grid grid-cols-1 gap-6">
      <div>
        <h1 className="text-2xl font-bold">{t('admin.providers.heading')}</h1>
        <p className="mt-1 text-sm text-muted-foreground">{t('admin.providers.intro')}</p>
      </div>
      {failed && !providers ? (
        <div className="grid justify-items-start gap-3">
          <Alert tone="error">{t('admin.loadFailed')}</Alert>
          <Button variant="outline" onClick={() => setAttempt((n) => n + 1)}>
            {t('admin.retry')}
          </Button>
        </div>
      ) : !providers ? (
        <div className="grid grid-cols-1 gap-4" aria-busy="true">
          <p className="sr-only" role="status">
            {t('admin.loading')}
          </p>
          {[0, 1, 2].map((i) => (
            <div
              key={i}
              aria-hidden
              className="h-40 animate-pulse rounded-lg border bg-muted motion-reduce:animate-none"
            />
          ))}
        </div>
      ) : (
        <>
          <div className="grid grid-cols-1 gap-4" data-testid="provider-list">
            {providers.map((provider) => (
              <ProviderCard key={provider.id} provider={provider} onSaved={replace} />
            ))}
          </div>
          <AddProviderForm onAdded={added} />
        </>
      )}
    </div>
  );
}
