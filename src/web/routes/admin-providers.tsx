/**
 * Admin: providers (issue 4, part 9). A card per provider with its switch,
 * key, base URL and connection test, and a form to add another
 * OpenAI-compatible endpoint. Read from the admin API in the browser;
 * every save shows the provider as the server now has it.
 */
import { useCallback } from 'react';
import type { Route } from './+types/admin-providers';
import { AddProviderForm } from '../components/admin/add-provider-form';
import { AdminPage, useAdminData } from '../components/admin/admin-page';
import { listProviders } from '../components/admin/api';
import { ProviderCard } from '../components/admin/provider-card';
import type { AdminProvider } from '../components/admin/types';
import { ListSkeleton, LoadFailed } from '../components/ui/load-states';
import { useI18n } from '../lib/i18n';
import { pageMeta } from '../lib/meta';

export const meta: Route.MetaFunction = (args) => [
  ...pageMeta(args, { title: 'admin.providers.title', description: 'admin.providers.description' }, '/admin'),
  { name: 'robots', content: 'noindex' },
];

export default function AdminProviders() {
  const { t } = useI18n();
  const { data: providers, setData: setProviders, failed, retry } = useAdminData(listProviders);

  const replace = useCallback(
    (next: AdminProvider) =>
      setProviders((list) => list && list.map((provider) => (provider.id === next.id ? next : provider))),
    [setProviders],
  );
  const added = useCallback(
    (next: AdminProvider) =>
      setProviders((list) => (list ? [...list.filter((p) => p.id !== next.id), next] : [next])),
    [setProviders],
  );

  return (
    <AdminPage heading={t('admin.providers.heading')} intro={t('admin.providers.intro')}>
      {failed && !providers ? (
        <LoadFailed message={t('admin.loadFailed')} retryLabel={t('admin.retry')} onRetry={retry} />
      ) : !providers ? (
        <ListSkeleton
          label={t('admin.loading')}
          count={3}
          className="grid grid-cols-1 gap-4"
          itemClassName="h-40 rounded-lg border"
        />
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
    </AdminPage>
  );
}
