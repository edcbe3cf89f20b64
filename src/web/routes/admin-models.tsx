/**
 * Admin: models (issue 4, part 9). Every model, including switched-off and
 * unusable ones (with why), each expandable into its editor (on/off, names,
 * order, prices per tier, ordered routes), and a form to add a model served
 * through one provider. A saved model replaces the shown one at once.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Route } from './+types/admin-models';
import { AddModelForm } from '../components/admin/add-model-form';
import { listAdminModels, listProviders } from '../components/admin/api';
import { ModelItem } from '../components/admin/model-item';
import type { AdminModel, AdminProvider } from '../components/admin/types';
import { Button } from '../components/ui/button';
import { Alert } from '../components/ui/card';
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

export default function AdminModels() {
  const { t, locale } = useI18n();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let active = true;
    Promise.all([listAdminModels(locale), listProviders(locale)]).then(
      ([models, providers]) => {
        if (!active) return;
        setLoaded({ models, providers });
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
    (next: AdminModel) =>
      setLoaded(
        (current) =>
          current && {
            ...current,
            models: current.models.map((model) => (model.id === next.id ? next : model)),
          },
      ),
    [],
  );
  const added = useCallback(
    (next: AdminModel) =>
      setLoaded(
        (current) =>
          current && { ...current, models: [...current.models.filter((m) => m.id !== next.id), next] },
      ),
    [],
  );

  return (
    <div className="mt-6 grid grid-cols-1 gap-6">
      <div>
        <h1 className="text-2xl font-bold">{t('admin.models.heading')}</h1>
        <p className="mt-1 text-sm text-muted-foreground">{t('admin.models.intro')}</p>
      </div>
      {failed && !loaded ? (
        <div className="grid justify-items-start gap-3">
          <Alert tone="error">{t('admin.loadFailed')}</Alert>
          <Button variant="outline" onClick={() => setAttempt((n) => n + 1)}>
            {t('admin.retry')}
          </Button>
        </div>
      ) : !loaded ? (
        <div className="grid grid-cols-1 gap-3" aria-busy="true">
          <p className="sr-only" role="status">
            {t('admin.loading')}
          </p>
          {[0, 1, 2, 3].map((i) => (
            <div
              key={i}
              aria-hidden
              className="h-20 animate-pulse rounded-lg border bg-muted motion-reduce:animate-none"
            />
          ))}
        </div>
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
    </div>
  );
}
