/**
 * Admin: models (issue 4, part 9). Every model, including switched-off and
 * unusable ones (with why), each expandable into its editor (on/off, names,
 * order, prices per tier, ordered routes), and a form to add a model served
 * through one provider. A saved model replaces the shown one at once.
 */
import { useCallback } from 'react';
import type { Route } from './+types/admin-models';
import { AddModelForm } from '../components/admin/add-model-form';
import { AdminPage, useAdminData } from '../components/admin/admin-page';
import { listAdminModels, listProviders } from '../components/admin/api';
import { ModelItem } from '../components/admin/model-item';
import type { AdminModel, AdminProvider } from '../components/admin/types';
import { ListSkeleton, LoadFailed } from '../components/ui/load-states';
import { useI18n } from '../lib/i18n';
import { pageMeta } from '../lib/meta';

export const meta: Route.MetaFunction = (args) => [
  ...pageMeta(
    args,
    { title: 'admin.models.title', description: 'admin.models.description' },
    '/admin/models',
  ),
  { name: 'robots', content: 'noindex' },
];

interface Loaded {
  models: AdminModel[];
  providers: AdminProvider[];
}

/** The models and, for their routes, the providers. */
function loadModelsPage(locale: string): Promise<Loaded> {
  return Promise.all([listAdminModels(locale), listProviders(locale)]).then(([models, providers]) => ({
    models,
    providers,
  }));
}

export default function AdminModels() {
  const { t } = useI18n();
  const { data: loaded, setData: setLoaded, failed, retry } = useAdminData(loadModelsPage);

  const replace = useCallback(
    (next: AdminModel) =>
      setLoaded(
        (current) =>
          current && {
            ...current,
            models: current.models.map((model) => (model.id === next.id ? next : model)),
          },
      ),
    [setLoaded],
  );
  const added = useCallback(
    (next: AdminModel) =>
      setLoaded(
        (current) =>
          current && { ...current, models: [...current.models.filter((m) => m.id !== next.id), next] },
      ),
    [setLoaded],
  );

  return (
    <AdminPage heading={t('admin.models.heading')} intro={t('admin.models.intro')}>
      {failed && !loaded ? (
        <LoadFailed message={t('admin.loadFailed')} retryLabel={t('admin.retry')} onRetry={retry} />
      ) : !loaded ? (
        <ListSkeleton
          label={t('admin.loading')}
          count={4}
          className="grid grid-cols-1 gap-3"
          itemClassName="h-20 rounded-lg border"
        />
      ) : (
        <>
          {loaded.models.length === 0 ? (
            <p className="rounded-lg border border-dashed p-8 text-center text-sm text-muted-foreground">
              {t('admin.models.empty')}
            </p>
          ) : (
            <ul
              className="grid grid-cols-1 gap-3"
              data-testid="admin-model-list"
              aria-label={t('admin.models.heading')}
            >
              {loaded.models.map((model) => (
                <ModelItem key={model.id} model={model} providers={loaded.providers} onSaved={replace} />
              ))}
            </ul>
          )}
          <AddModelForm providers={loaded.providers} onAdded={added} />
        </>
      )}
    </AdminPage>
  );
}
