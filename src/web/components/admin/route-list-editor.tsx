/**
 * A model's ordered routes in the model editor: route 1 is the primary,
 * the rest are fallbacks tried in order. Each has its provider, the
 * provider's own model id and an on/off box; routes are added at the end,
 * removed, and moved up or down. Options a route already has (fixed
 * provider parameters such as OpenAI's quality) are shown and kept.
 */
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import { TextField } from '../ui/input';
import { Badge, CheckboxField, SelectField } from './controls';
import { addRoute, LIMITS, moveRoute, nameIn, removeRoute, type RouteDraft } from './model-draft';
import type { AdminProvider } from './types';

export function RouteListEditor({
  idPrefix,
  routes,
  providers,
  onChange,
  errors,
}: {
  idPrefix: string;
  routes: RouteDraft[];
  providers: readonly AdminProvider[];
  onChange: (routes: RouteDraft[]) => void;
  errors: Record<string, string>;
}) {
  const { t, locale } = useI18n();
  const providerOptions = (current: string) => {
    const options = providers.map((p) => ({ value: p.id, label: `${nameIn(locale, p)} (${p.id})` }));
    return options.some((o) => o.value === current) || current === ''
      ? options
      : [{ value: current, label: current }, ...options];
  };
  const update = (index: number, change: Partial<RouteDraft>) =>
    onChange(routes.map((route, i) => (i === index ? { ...route, ...change } : route)));

  return (
    <fieldset className="grid min-w-0 grid-cols-1 gap-3" data-testid="route-list">
      <legend className="mb-1 text-sm font-medium">{t('admin.models.routes.legend')}</legend>
      <p className="text-xs text-muted-foreground">{t('admin.models.routes.intro')}</p>
      {routes.length === 0 ? (
        <p className="rounded-md border border-dashed p-3 text-sm text-muted-foreground">
          {t('admin.models.routes.none')}
        </p>
      ) : (
        <ol className="grid grid-cols-1 gap-3">
          {routes.map((route, index) => {
            const provider = providers.find((p) => p.id === route.providerId);
            const position = index + 1;
            const options = Object.entries(route.options);
            return (
              <li
                key={route.key}
                className="grid grid-cols-1 gap-3 rounded-md border p-3"
                data-testid="route-row"
              >
                <div className="flex flex-wrap items-center gap-2 text-sm">
                  <span className="font-medium">
                    {index === 0
                      ? t('admin.models.routes.primary')
                      : t('admin.models.routes.fallback', { n: index })}
                  </span>
                  {!route.enabled ? (
                    <Badge>{t('admin.models.routes.off')}</Badge>
                  ) : provider && !provider.enabled ? (
                    <Badge tone="warning">{t('admin.models.routes.providerOff')}</Badge>
                  ) : null}
                </div>
                <div className="grid grid-cols-1 items-start gap-3 sm:grid-cols-2">
                  <SelectField
                    id={`${idPrefix}-route-${route.key}-provider`}
                    label={t('admin.models.routes.provider', { n: position })}
                    value={route.providerId}
                    onValue={(providerId) => update(index, { providerId })}
                    options={providerOptions(route.providerId)}
                    error={errors[`routes.${index}.providerId`]}
                    data-testid="route-provider"
                  />
                  <TextField
                    id={`${idPrefix}-route-${route.key}-model`}
                    label={t('admin.models.routes.providerModelId', { n: position })}
                    value={route.providerModelId}
                    onValue={(providerModelId) => update(index, { providerModelId })}
                    error={errors[`routes.${index}.providerModelId`]}
                    spellCheck={false}
                    autoCapitalize="none"
                    data-testid="route-model-id"
                  />
                </div>
                {options.length > 0 ? (
                  <p className="text-xs break-words text-muted-foreground">
                    {t('admin.models.routes.options', {
                      options: options.map(([key, value]) => `${key}=${String(value)}`).join(', '),
                    })}
                  </p>
                ) : null}
                <div className="flex flex-wrap items-center gap-2">
                  <CheckboxField
                    label={t('admin.models.routes.enabled', { n: position })}
                    checked={route.enabled}
                    onChange={(enabled) => update(index, { enabled })}
                    testId="route-enabled"
                  />
                  <span className="ml-auto flex flex-wrap gap-1">
                    <Button
                      variant="ghost"
                      size="sm"
                      disabled={index === 0}
                      onClick={() => onChange(moveRoute(routes, index, -1))}
                      aria-label={t('admin.models.routes.moveUp', { n: position })}
                    >
                      <span aria-hidden>↑</span>
                      <span className="hidden sm:inline">{t('admin.models.routes.up')}</span>
                    </Button>
                    <Button
                      variant="ghost"
                      size="sm"
                      disabled={index === routes.length - 1}
                      onClick={() => onChange(moveRoute(routes, index, 1))}
                      aria-label={t('admin.models.routes.moveDown', { n: position })}
                    >
                      <span aria-hidden>↓</span>
                      <span className="hidden sm:inline">{t('admin.models.routes.down')}</span>
                    </Button>
                    <Button
                      variant="ghost"
                      size="sm"
                      className="text-destructive"
                      onClick={() => onChange(removeRoute(routes, index))}
                      aria-label={t('admin.models.routes.removeOne', { n: position })}
                    >
                      {t('admin.models.routes.remove')}
                    </Button>
                  </span>
                </div>
              </li>
            );
          })}
        </ol>
      )}
      {errors.routes ? <p className="text-sm text-destructive">{errors.routes}</p> : null}
      <div>
        <Button
          variant="outline"
          size="sm"
          disabled={routes.length >= LIMITS.maxRoutes || providers.length === 0}
          onClick={() => onChange(addRoute(routes, providers[0]?.id ?? ''))}
          data-testid="route-add"
        >
          {t('admin.models.routes.add')}
        </Button>
      </div>
    </fieldset>
  );
}
